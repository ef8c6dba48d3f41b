package io.deviceguard.audit;

import java.time.Instant;

/**
 * What {@code audit list} and {@code GET /api/v1/audit} ask for; null means any. {@code since}/{@code until} bound the
 * time (until exclusive); {@code beforeSeq} pages backwards (rows older than that sequence number, newest first).
 * {@code limit} is at least 1.
 */
public record AuditSearch(String category, String user, String device, String outcome, Instant since, Instant until,
                          Long beforeSeq, int limit) {

    public AuditSearch(String category, String user, String device, String outcome, Instant since, int limit) {
        this(category, user, device, outcome, since, null, null, limit);
    }

    public AuditSearch {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
    }
}
