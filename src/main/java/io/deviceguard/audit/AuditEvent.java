package io.deviceguard.audit;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Something that happened, before it takes its place in the chain. Built with {@link #of}; details are a flat,
 * sorted map so their JSON form is canonical. Values are truncated and stripped of control characters: an audit
 * row holds facts, never a secret and never an attacker's raw bytes.
 */
public record AuditEvent(AuditCategory category, ActorType actorType, String actor, String action, String target,
                         Outcome outcome, Map<String, Object> details) {

    private static final int MAX_VALUE = 1024;
    /** Sizes of the actor and target columns (db/migration), "..." included: a longer value could never be stored. */
    private static final int MAX_ACTOR = 256;
    private static final int MAX_TARGET = 512;

    /** Who did it. */
    public enum ActorType { DEVICE, USER, SYSTEM }

    /** How it ended. */
    public enum Outcome { SUCCESS, DENIED, FAILURE }

    public static Builder of(AuditCategory category, String action) {
        return new Builder(category, action);
    }

    /** Fluent construction: {@code AuditEvent.of(CONNECTION, "connect").device(id).denied().detail(...).build()}. */
    public static final class Builder {
        private final AuditCategory category;
        private final String action;
        private ActorType actorType = ActorType.SYSTEM;
        private String actor = "deviceguard";
        private String target;
        private Outcome outcome = Outcome.SUCCESS;
        private final Map<String, Object> details = new TreeMap<>();

        private Builder(AuditCategory category, String action) {
            this.category = category;
            this.action = action;
        }

        public Builder actor(ActorType type, String name) {
            this.actorType = type;
            this.actor = clean(name == null ? "(unknown)" : name, MAX_ACTOR - 3);
            return this;
        }

        public Builder device(String id) {
            return actor(ActorType.DEVICE, id);
        }

        public Builder target(String target) {
            this.target = target == null ? null : clean(target, MAX_TARGET - 3);
            return this;
        }

        public Builder outcome(Outcome outcome) {
            this.outcome = outcome;
            return this;
        }

        public Builder denied() {
            return outcome(Outcome.DENIED);
        }

        public Builder failed() {
            return outcome(Outcome.FAILURE);
        }

        public Builder detail(String key, Object value) {
            if (value != null) {
                details.put(key, value instanceof Number || value instanceof Boolean ? value : clean(value.toString()));
            }
            return this;
        }

        public AuditEvent build() {
            return new AuditEvent(category, actorType, actor, action, target, outcome, Collections.unmodifiableMap(details));
        }
    }

    static String clean(String s) {
        return clean(s, MAX_VALUE);
    }

    /** At most {@code keep} characters of {@code s}, then "..." if it was longer; control characters become '?'. */
    static String clean(String s, int keep) {
        String t = s.length() > keep ? s.substring(0, keep) + "..." : s;
        // every audited value passes here: scan once, and copy only a value that has a control character
        for (int i = 0; i < t.length(); i++) {
            if (isControl(t.charAt(i))) {
                StringBuilder b = new StringBuilder(t);
                for (int j = i; j < b.length(); j++) {
                    if (isControl(b.charAt(j))) {
                        b.setCharAt(j, '?');
                    }
                }
                return b.toString();
            }
        }
        return t;
    }

    /** What the regular-expression class {@code \p{Cntrl}} matches: the C0 controls and DEL. */
    private static boolean isControl(char c) {
        return c < 0x20 || c == 0x7f;
    }
}
