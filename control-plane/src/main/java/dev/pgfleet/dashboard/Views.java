package dev.pgfleet.dashboard;

/** View names shared by the dashboard's controllers in several packages. */
public final class Views {
    public static final String ERROR = "error";

    private Views() {
    }
}
