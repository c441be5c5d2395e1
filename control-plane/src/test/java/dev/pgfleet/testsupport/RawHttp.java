package dev.pgfleet.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what java.net.http cannot send: a request from a chosen loopback address
 * (127.0.0.2, 127.0.0.3... are all this machine, and each is a different client address to the server), or a
 * request exactly as written (a TRACE without Content-Length). One request per connection; no redirects followed.
 */
public final class RawHttp {
    private final String baseUrl;
    private final String fromAddress;

    public RawHttp(String baseUrl, String fromAddress) {
        this.baseUrl = baseUrl;
        this.fromAddress = fromAddress;
    }

    /** An answer: status, headers (lower-case names; Set-Cookie values all kept) and body. */
    public record Answer(int status, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public String contentType() {
            String type = header("content-type");
            return type == null ? "" : type;
        }
    }

    public Answer send(String method, String pathAndQuery, Map<String, String> headers, String body) {
        URI base = URI.create(baseUrl);
        try (Socket socket = new Socket()) {
            if (fromAddress != null) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(fromAddress), 0));
            }
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
            socket.setSoTimeout(60_000);
            StringBuilder head = new StringBuilder(method + " " + pathAndQuery + " HTTP/1.1\r\n");
            head.append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n");
            head.append("Connection: close\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            byte[] payload = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
            if (payload != null) {
                head.append("Content-Length: ").append(payload.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (payload != null) {
                out.write(payload);
            }
            out.flush();
            return parse(socket.getInputStream().readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Answer parse(byte[] raw) throws IOException {
        String all = new String(raw, StandardCharsets.ISO_8859_1);
        int end = all.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("no complete answer: " + all);
        }
        String[] lines = all.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).strip());
        }
        byte[] bodyBytes = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        List<String> encoding = headers.get("transfer-encoding");
        if (encoding != null && encoding.get(0).equalsIgnoreCase("chunked")) {
            bodyBytes = dechunk(new java.io.ByteArrayInputStream(bodyBytes));
        }
        return new Answer(status, headers, new String(bodyBytes, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            StringBuilder size = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    return out.toByteArray();
                }
                if (c != '\r') {
                    size.append((char) c);
                }
            }
            int n = Integer.parseInt(size.toString().split(";")[0].strip(), 16);
            if (n == 0) {
                return out.toByteArray();
            }
            out.write(in.readNBytes(n));
            in.readNBytes(2);
        }
    }
}
