package dev.pgfleet.testsupport.kubernetes;

/**
 * One request the control plane sent to the mock API server, with what the server answered: the answer matters to
 * authorization (a server-side apply that created its object needs {@code create} as well as {@code patch}).
 *
 * @param contentType the request's Content-Type ({@code application/apply-patch+yaml} marks server-side apply), or null
 * @param status the HTTP status the mock answered
 * @param body the request body (a DELETE's carries the propagation policy), empty when there was none
 */
public record ApiRequest(String method, String path, String contentType, int status, String body) {

    public ApiRequest(String method, String path) {
        this(method, path, null, 200, "");
    }

    public boolean isServerSideApply() {
        return "PATCH".equals(method) && contentType != null && contentType.startsWith("application/apply-patch");
    }

    @Override
    public String toString() {
        return method + " " + path;
    }
}
