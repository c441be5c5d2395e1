package dev.pgfleet.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.springframework.security.crypto.encrypt.Encryptors;
import org.springframework.security.crypto.encrypt.TextEncryptor;
import org.springframework.stereotype.Component;

/**
 * Encrypts the database passwords kept in the metadata store (AES-256-GCM via Spring Security Crypto).
 * The key comes from PGFLEET_MASTER_KEY, else from $PGFLEET_HOME/master.key, created (mode 0600) on
 * first start. Losing the key means losing access to stored passwords, so back it up with the store.
 */
@Component
public class SecretCipher {
    private final TextEncryptor encryptor;

    SecretCipher(PgfleetProperties properties) {
        String material = properties.masterKey();
        if (material == null || material.isBlank()) {
            material = readOrCreateKeyFile(properties.resolvedHome().resolve("master.key"));
        }
        String[] parts = material.strip().split(":");
        if (parts.length != 2 || !parts[1].matches("[0-9a-f]{16,}")) {
            throw new IllegalStateException("The master key must look like '<secret>:<hex salt>'");
        }
        this.encryptor = Encryptors.delux(parts[0], parts[1]);
    }

    public String encrypt(String plain) {
        return encryptor.encrypt(plain);
    }

    public String decrypt(String encrypted) {
        return encryptor.decrypt(encrypted);
    }

    private static String readOrCreateKeyFile(Path file) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file);
            }
            Files.createDirectories(file.getParent());
            SecureRandom random = new SecureRandom();
            byte[] secret = new byte[32];
            byte[] salt = new byte[16];
            random.nextBytes(secret);
            random.nextBytes(salt);
            String material = HexFormat.of().formatHex(secret) + ":" + HexFormat.of().formatHex(salt);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, material + "\n");
            return material;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the master key " + file, e);
        }
    }
}
