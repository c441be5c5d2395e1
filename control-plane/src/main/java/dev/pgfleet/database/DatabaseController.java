package dev.pgfleet.database;

import dev.pgfleet.security.CurrentTenant;
import dev.pgfleet.system.Pagination;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Tenant-scoped database API: every call sees only the caller's databases. */
@RestController
@RequestMapping("/api/v1/databases")
class DatabaseController {
    static final String PEM = "application/x-pem-file";
    private final DatabaseService service;
    private final DatabaseViews views;

    DatabaseController(DatabaseService service, DatabaseViews views) {
        this.service = service;
        this.views = views;
    }

    @PostMapping
    @Operation(summary = "Create a database; provisioning continues in the background (poll its status)")
    ResponseEntity<DatabaseViews.DatabaseView> create(@RequestBody CreateDatabaseRequest request) {
        Database d = service.create(CurrentTenant.get(), request);
        return ResponseEntity.accepted().location(URI.create("/api/v1/databases/" + d.getId())).body(views.view(d, true));
    }

    @GetMapping
    @Operation(summary = "List your databases, oldest first; paged with ?limit=&cursor= (Link: rel=\"next\" names the next page)")
    ResponseEntity<List<DatabaseViews.DatabaseView>> list(@RequestParam(required = false) String limit,
                                                          @RequestParam(required = false) String cursor) {
        Pagination.PageRequest page = Pagination.PageRequest.of(limit, cursor);
        return Pagination.response(service.page(CurrentTenant.get(), page).map(d -> views.view(d, false)), page);
    }

    @GetMapping("/{id}")
    @Operation(summary = "One database with its members, connection details and events")
    DatabaseViews.DatabaseView get(@PathVariable UUID id) {
        return views.view(service.get(CurrentTenant.get(), id), true);
    }

    @GetMapping("/{id}/credentials")
    @Operation(summary = "The owner's password and ready-to-use connection URIs: poolerUri, directUri, and readOnlyUri (through the replicas; null on plans without replicas)")
    DatabaseViews.CredentialsView credentials(@PathVariable UUID id) {
        Database d = service.get(CurrentTenant.get(), id);
        return views.credentials(d, service.ownerPassword(d));
    }

    @GetMapping(value = "/{id}/ca.crt", produces = PEM)
    @Operation(summary = "The CA certificate (PEM) the database's endpoints present certificates of: save it as"
            + " a file named by sslrootcert (or ~/.postgresql/root.crt), for the connection strings' sslmode=verify-full")
    @ApiResponse(responseCode = "200", description = "The CA certificate",
            content = @Content(mediaType = PEM, schema = @Schema(type = "string")))
    ResponseEntity<String> caCertificate(@PathVariable UUID id) {
        Database d = service.get(CurrentTenant.get(), id);
        return caCertificateResponse(d, views.caCertificatePem(d));
    }

    /** The PEM as a download named after the database. */
    static ResponseEntity<String> caCertificateResponse(Database d, String pem) {
        return ResponseEntity.ok().contentType(MediaType.parseMediaType(PEM))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(d.getName() + "-ca.crt").build().toString())
                .body(pem);
    }

    @DeleteMapping("/{id}")
    @Operation(summary = "Delete a database: stops its data plane and removes its data (on Kubernetes, volumes follow the PVC retention policy)")
    ResponseEntity<DatabaseViews.DatabaseView> delete(@PathVariable UUID id) {
        Database d;
        try {
            d = service.delete(CurrentTenant.get(), id);
        } catch (org.springframework.orm.ObjectOptimisticLockingFailureException raceWithReconciler) {
            // The reconciler wrote the status at the same moment; the request still stands.
            d = service.delete(CurrentTenant.get(), id);
        }
        return ResponseEntity.accepted().body(views.view(d, false));
    }
}
