package dev.pgfleet.image;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** images/versions.properties (the package versions of pgfleet's images and of the local runtime) and the pom's version. */
public record ImageVersions(Properties values) {
    static final Path IMAGES = Path.of("..", "images");

    static ImageVersions readFromRepository() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(IMAGES.resolve("versions.properties"))) {
            p.load(r);
        }
        return new ImageVersions(p);
    }

    String get(String key) {
        String value = values.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("images/versions.properties has no " + key);
        }
        return value;
    }

    int postgresMajor() {
        return Integer.parseInt(get("postgresql.major"));
    }

    /** The upstream part of a Debian version: 0.8.0-1 -> 0.8.0, 1:2.3-4+b1 -> 2.3. */
    static String upstream(String debianVersion) {
        String v = debianVersion.contains(":") ? debianVersion.substring(debianVersion.indexOf(':') + 1) : debianVersion;
        int dash = v.lastIndexOf('-');
        return dash < 0 ? v : v.substring(0, dash);
    }

    /** The project's version, the images' tag (./pgfleet images reads the same element). */
    public static String projectVersionFromPom() throws IOException {
        String pom = Files.readString(Path.of("..", "pom.xml"));
        Matcher m = Pattern.compile("<version>([^<]+)</version>").matcher(pom.substring(pom.indexOf("</parent>")));
        if (!m.find()) {
            throw new IllegalStateException("no project version in pom.xml");
        }
        return m.group(1);
    }
}
