package dev.pgfleet.provisioning.local;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where the local runtime's data-plane processes listen, bound from {@code pgfleet.local.*}. Who runs them and
 * where PostgreSQL is installed are the same prefix's other keys, read by {@code system.process.ProcessProperties}.
 *
 * @param listenAddress  address data-plane processes bind to
 * @param advertiseHost  host name put into connection strings
 * @param portRangeStart first port handed to data-plane processes
 * @param portRangeEnd   last port handed to data-plane processes (etcd takes the last two)
 */
@Validated
@ConfigurationProperties("pgfleet.local")
public record LocalRuntimeProperties(
        @DefaultValue("127.0.0.1") @NotBlank String listenAddress,
        @DefaultValue("127.0.0.1") @NotBlank String advertiseHost,
        @DefaultValue("20000") @Min(1024) @Max(65535) int portRangeStart,
        @DefaultValue("29999") @Min(1024) @Max(65535) int portRangeEnd) {

    /** Room for at least one database's ports besides etcd's two. */
    @AssertTrue(message = "pgfleet.local.port-range-end must be at least port-range-start + 10")
    public boolean isPortRangeWideEnough() {
        return portRangeEnd >= portRangeStart + 10;
    }
}
