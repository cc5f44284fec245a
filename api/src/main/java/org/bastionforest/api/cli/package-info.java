/**
 * The {@code bastion} command-line client: subcommands that call the REST API, print tables (or the
 * raw JSON with {@code --json}) and exit non-zero with one clear line on failure.
 */
package org.bastionforest.api.cli;
