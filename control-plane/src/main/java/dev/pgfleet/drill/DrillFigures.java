package dev.pgfleet.drill;

import java.time.Duration;

/**
 * What one drill measured. Null where a figure could not be taken (e.g. the old leader never rejoined).
 *
 * @param writeUnavailable   last acknowledged probe write before the fault to the first one after it
 * @param failedTransactions probe transactions that got an error
 * @param acknowledgedWrites probe writes whose commit was acknowledged
 * @param lostWrites         acknowledged probe writes missing when read back afterwards
 * @param rejoin             from the fault until the old leader was a healthy replica again
 */
record DrillFigures(String newLeader, Duration writeUnavailable, Long failedTransactions, Long acknowledgedWrites, Long lostWrites,
                    Duration rejoin) {
}
