package dev.pgfleet.operation;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.sql.SQLException;
import java.util.concurrent.TimeoutException;

/**
 * The one place that turns a failure into the sentence an operation's reason shows: what failed, in words, without a
 * stack trace, a class name or a secret. The first cause that says something is used.
 */
public final class FailureReasons {
    private static final int MAX_LENGTH = 500;

    private FailureReasons() {
    }

    public static String describe(Throwable failure) {
        Throwable t = failure;
        // A wrapper says nothing of its own when its message is empty or just its cause's toString().
        while (t.getCause() != null && t.getCause() != t && (blank(t.getMessage()) || t.getMessage().equals(t.getCause().toString()))) {
            t = t.getCause();
        }
        String text;
        if (t instanceof SQLException sql) {
            text = "PostgreSQL: " + firstLine(sql.getMessage()) + (sql.getSQLState() == null ? "" : " (SQLSTATE " + sql.getSQLState() + ")");
        } else if (t instanceof ConnectException) {
            text = "could not connect: " + orDefault(t.getMessage(), "connection refused");
        } else if (t instanceof HttpTimeoutException || t instanceof TimeoutException) {
            text = "timed out" + (blank(t.getMessage()) ? "" : ": " + firstLine(t.getMessage()));
        } else if (t instanceof InterruptedException) {
            text = "interrupted: the control plane is stopping";
        } else {
            text = orDefault(firstLine(t.getMessage()), "unexpected " + t.getClass().getSimpleName());
        }
        return text.length() > MAX_LENGTH ? text.substring(0, MAX_LENGTH - 1) + "…" : text;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String orDefault(String s, String otherwise) {
        return blank(s) ? otherwise : s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return null;
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
