/**
 * Benchmark harnesses, run by hand (see docs/PERFORMANCE.md for the commands and results); each has
 * a smoke variant with tiny sizes in the normal test run so that it cannot rot.
 */
package org.bastionforest.bench;
