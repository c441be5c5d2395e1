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
        SpringApplication.run(PgfleetApplication.class, args);
    }
}
