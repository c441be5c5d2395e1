package dev.pgfleet.system;

import java.io.IOException;

/** Thrown while reading a request body (sent without a Content-Length) that outgrows the limit; answered 413. */
public class RequestBodyTooLarge extends IOException {
    RequestBodyTooLarge(long limit) {
        super("The request body is larger than " + limit + " bytes; no request here needs that much.");
    }
}
