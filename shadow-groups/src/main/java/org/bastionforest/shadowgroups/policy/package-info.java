/**
 * Shadow groups and their activation policies: typed ids ({@link
 * org.bastionforest.shadowgroups.policy.ShadowGroupId}, {@link
 * org.bastionforest.shadowgroups.policy.UserId}), the self-validating {@link
 * org.bastionforest.shadowgroups.policy.ActivationPolicy}, and {@link
 * org.bastionforest.shadowgroups.policy.ShadowGroupService}, through which administrators define
 * them (every change audited).
 */
package org.bastionforest.shadowgroups.policy;
