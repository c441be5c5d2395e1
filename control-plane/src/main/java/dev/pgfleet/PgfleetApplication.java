package dev.pgfleet;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The pgfleet control plane: REST API, reconciler and the runtime that runs tenants' databases. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class PgfleetApplication {
    public static void main(String[] args) {
        // A verification Job runs the same jar with this first argument: no Spring context, no settings.
        if (args.length > 0 && dev.pgfleet.backup.VerifyDumpCommand.NAME.equals(args[0])) {
            dev.pgfleet.backup.VerifyDumpCommand.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        SpringApplication.run(PgfleetApplication.class, args);
    }
}
