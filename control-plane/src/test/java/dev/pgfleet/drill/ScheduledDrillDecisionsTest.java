package dev.pgfleet.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.Requester;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a drill policy's firing decides ({@link DrillService#scheduledDrill}), with the store, the runner's health check
 * and admission as mocks: a policy turned off starts nothing, even when it was turned off while the cluster was being
 * observed; a cluster that is not whole, or a tenant at its bound, is recorded as not run with the reason; an admitted
 * drill is requested by the schedule and answered for the handler to run.
 */
class ScheduledDrillDecisionsTest {
    private final UUID databaseId = UUID.randomUUID();
    private final UUID tenantId = UUID.randomUUID();
    private final DrillPolicyRepository policies = mock(DrillPolicyRepository.class);
    private final DrillRunner runner = mock(DrillRunner.class);
    private final DrillAdmission admission = mock(DrillAdmission.class);
    private final DrillLedger ledger = mock(DrillLedger.class);
    private final DatabaseEvents events = mock(DatabaseEvents.class);
    private final Database db = mock(Database.class);
    private DrillService service;

    @BeforeEach
    void wire() {
        DatabaseRepository databases = mock(DatabaseRepository.class);
        when(databases.findById(databaseId)).thenReturn(Optional.of(db));
        when(db.getId()).thenReturn(databaseId);
        when(db.getTenantId()).thenReturn(tenantId);
        when(db.getName()).thenReturn("orders");
        service = new DrillService(null, databases, mock(DrillRepository.class), policies, ledger, mock(DatabaseSchedules.class), runner,
                events, null, admission);
    }

    @Test
    void aPolicyTurnedOffStartsNothing() {
        when(policies.findById(databaseId)).thenReturn(Optional.of(policy(false)));

        assertThat(service.scheduledDrill(databaseId)).isEmpty();

        verifyNoInteractions(runner, admission, ledger);
    }

    @Test
    void aPolicyTurnedOffWhileTheClusterWasObservedStartsNothingAndRecordsNothing() {
        when(policies.findById(databaseId)).thenReturn(Optional.of(policy(true)), Optional.of(policy(false)));
        when(runner.refusal(db)).thenReturn(Optional.of("Not every member is healthy: orders-1 is starting."));

        assertThat(service.scheduledDrill(databaseId)).isEmpty();

        verifyNoInteractions(admission, ledger);
    }

    @Test
    void aClusterThatIsNotWholeIsRecordedAsNotRunWithTheReason() {
        when(policies.findById(databaseId)).thenReturn(Optional.of(policy(true)));
        when(runner.refusal(db)).thenReturn(Optional.of("Not every member is healthy: orders-1 is starting."));

        assertThat(service.scheduledDrill(databaseId)).isEmpty();

        verify(ledger).recordNotRun(databaseId, tenantId, Drill.Kind.KILL_PRIMARY, "Not every member is healthy: orders-1 is starting.");
        verify(events).warningOnce(eq(databaseId), eq("DrillFailed"), org.mockito.ArgumentMatchers.contains("not run"));
        verifyNoInteractions(admission);
    }

    @Test
    void aTenantAtItsBoundIsRecordedAsNotRun() {
        when(policies.findById(databaseId)).thenReturn(Optional.of(policy(true)));
        when(runner.refusal(db)).thenReturn(Optional.empty());
        when(admission.admit(eq(tenantId), eq(databaseId), eq(OperationKind.DRILL), eq(Requester.schedule()), any(), anyString(), any()))
                .thenReturn(new DrillAdmission.Result.TenantBusy("at most 1 drills or switchovers run at once per tenant"));

        assertThat(service.scheduledDrill(databaseId)).isEmpty();

        verify(ledger).recordNotRun(databaseId, tenantId, Drill.Kind.KILL_PRIMARY, "at most 1 drills or switchovers run at once per tenant");
    }

    @Test
    void anAdmittedDrillIsAnsweredForTheHandlerToRunAndNothingIsRecordedAsNotRun() {
        UUID operationId = UUID.randomUUID();
        DatabaseOperation op = mock(DatabaseOperation.class);
        when(op.getId()).thenReturn(operationId);
        when(policies.findById(databaseId)).thenReturn(Optional.of(policy(true)));
        when(runner.refusal(db)).thenReturn(Optional.empty());
        when(admission.admit(eq(tenantId), eq(databaseId), eq(OperationKind.DRILL), eq(Requester.schedule()), any(), anyString(), any()))
                .thenReturn(new DrillAdmission.Result.Admitted(op));

        assertThat(service.scheduledDrill(databaseId)).contains(operationId);

        verify(ledger, never()).recordNotRun(any(), any(), any(), any());
    }

    private DrillPolicy policy(boolean enabled) {
        return new DrillPolicy(databaseId, "0 0 4 ? * SUN", enabled, Drill.Kind.KILL_PRIMARY);
    }
}
