/**
 * The core's view of the directories: ports that other modules implement ({@link
 * org.bastionforest.shadowgroups.directory.DirectoryFacts} for synced production facts, {@link
 * org.bastionforest.shadowgroups.directory.BastionDirectory} for shadow-principal membership) and
 * the outbox that makes the bastion directory follow the database ({@link
 * org.bastionforest.shadowgroups.directory.MembershipDispatcher}).
 */
package org.bastionforest.shadowgroups.directory;
