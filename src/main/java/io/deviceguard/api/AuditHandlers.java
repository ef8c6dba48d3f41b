package io.deviceguard.api;

import io.deviceguard.audit.AuditCategory;
import io.deviceguard.audit.AuditQuery;
import io.deviceguard.audit.AuditSearch;
import io.deviceguard.device.DeviceId;
import io.deviceguard.user.Username;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code GET /api/v1/audit?user=&device=&category=&outcome=&since=&until=&before=&limit=}: the trail, newest first, a page
 * at a time ({@code next} is the {@code before} of the next page) (admin, auditor).
 */
final class AuditHandlers {

    static final int MAX_LIMIT = 10_000;

    private final AuditQuery query;

    AuditHandlers(AuditQuery query) {
        this.query = query;
    }

    ApiResponse list(ApiRequest r) {
        QueryParams q = r.query(Set.of("user", "device", "category", "outcome", "since", "until", "before", "limit"));
        String user = q.get("user");
        if (user != null && !Username.isValid(user)) {
            throw ApiProblem.badRequest("invalid_query", "query parameter 'user' is not a valid username: " + Username.RULE);
        }
        String device = q.get("device");
        if (device != null && !DeviceId.isValid(device)) {
            throw ApiProblem.badRequest("invalid_query", "query parameter 'device' is not a valid device ID: 1-64"
                    + " characters, letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        String category = q.get("category");
        if (category != null && Arrays.stream(AuditCategory.values()).noneMatch(c -> c.label().equals(category))) {
            throw ApiProblem.badRequest("invalid_query", "query parameter 'category' must be one of "
                    + Arrays.stream(AuditCategory.values()).map(AuditCategory::label).collect(Collectors.joining(", ")));
        }
        String outcome = q.get("outcome");
        if (outcome != null && !Set.of("success", "denied", "failure").contains(outcome)) {
            throw ApiProblem.badRequest("invalid_query", "query parameter 'outcome' must be one of success, denied, failure");
        }
        Instant since = time("since", q.get("since"));
        Instant until = time("until", q.get("until"));
        Long before = q.get("before") == null ? null : (long) q.intValue("before", 1, Integer.MAX_VALUE, 1);
        int limit = q.intValue("limit", 1, MAX_LIMIT, 100);
        var records = query.search(new AuditSearch(category, user, device, outcome, since, until, before, limit));
        var rows = records.stream().map(ApiViews.AuditView::of).toList();
        // paging, newest first: the next page is ?before=<the last seq of this one>
        Long next = records.size() == limit ? records.get(records.size() - 1).seq() : null;
        return ApiResponse.ok(new ApiViews.AuditList(rows, rows.size(), next), null);
    }

    private static Instant time(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiProblem.badRequest("invalid_query",
                    "query parameter '" + name + "' must be an ISO-8601 UTC time such as 2025-01-31T12:00:00Z");
        }
    }
}
