package io.deviceguard.management;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;

/**
 * Remembers, for the length of one console request, where it came from: JAAS gives a login module only a username
 * and a password, and the audit row of a login names its source address.
 */
public final class SourceAddress implements Filter {

    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    static String current() {
        String s = CURRENT.get();
        return s == null ? "unknown" : s;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        CURRENT.set(request.getRemoteAddr());
        try {
            chain.doFilter(request, response);
        } finally {
            CURRENT.remove();
        }
    }
}
