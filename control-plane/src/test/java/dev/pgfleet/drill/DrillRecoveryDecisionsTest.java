package dev.pgfleet.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
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
import dev.pgfleet.operation.OperationHandler;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.OperationState;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.provisioning.DataPlaneRuntime;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.DesiredClusters;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/**
 * What the drill and switchover handlers decide when the operations model hands them an operation, with the runtime,
 * the store and the scheduler as mocks: an interrupted drill is ended (frozen member released, pooler resumed) and
 * failed, never run again; an interrupted switchover resumes the pooler and fails; a failure to undo is in the reason
 * and still fails the operation; a requested drill gets a trigger, a requested switchover (nobody will perform it) fails.
 */
class DrillRecoveryDecisionsTest {
    private final UUID databaseId = UUID.randomUUID();
    private final UUID operationId = UUID.randomUUID();
    private final DataPlaneRuntime runtime = mock(DataPlaneRuntime.class);
    private final Operations operations = mock(Operations.class);
    private final DrillLedger ledger = mock(DrillLedger.class);
    private final DrillRunner runner = mock(DrillRunner.class);
    private final DatabaseSchedules schedules = mock(DatabaseSchedules.class);
    private final DatabaseEvents events = mock(DatabaseEvents.class);
    private final DesiredCluster desired = mock(DesiredCluster.class);
    private DrillOperations drills;
    private SwitchoverOperations switchovers;

    @BeforeEach
    void wire() {
        Database db = mock(Database.class);
        when(db.getName()).thenReturn("orders");
        DatabaseRepository databases = mock(DatabaseRepository.class);
        when(databases.findById(databaseId)).thenReturn(Optional.of(db));
        DesiredClusters desiredClusters = mock(DesiredClusters.class);
        when(desiredClusters.of(db)).thenReturn(desired);
        DatabaseOperation active = operation(OperationKind.DRILL, OperationState.RUNNING);
        when(operations.find(operationId)).thenReturn(Optional.of(active));
        PoolerRescue rescue = new PoolerRescue(databases, desiredClusters, runtime, operations);
        drills = new DrillOperations(mock(DrillService.class), runner, ledger, rescue, schedules, events);
        switchovers = new SwitchoverOperations(null, runner, null, operations, null, runtime, desiredClusters, rescue, events);
    }

    @Test
    void anInterruptedKillPrimaryDrillReleasesTheMemberResumesThePoolerAndFailsWithoutRunningAgain() {
        Drill drill = drill(Drill.Kind.KILL_PRIMARY);
        when(ledger.ofOperation(operationId)).thenReturn(Optional.of(drill));

        drills.recoverInterrupted(operation(OperationKind.DRILL, OperationState.RUNNING));

        var order = inOrder(runtime, ledger, operations);
        order.verify(runtime).endAbruptFailure(desired, "orders-0");
        order.verify(runtime).resumePooler(desired);
        ArgumentCaptor<String> reason = ArgumentCaptor.forClass(String.class);
        order.verify(ledger).finish(eq(drill.getId()), eq(null), eq(false), reason.capture());
        order.verify(operations).fail(operationId, reason.getValue());
        assertThat(reason.getValue()).startsWith(OperationHandler.INTERRUPTED).contains("The pooler was resumed.")
                .contains("not run again");
        verifyNoInteractions(runner);
        verify(schedules, never()).runSoon(any(), any(), any(), any());
    }

    @Test
    void anInterruptedSwitchoverDrillOnlyResumesThePooler() {
        when(ledger.ofOperation(operationId)).thenReturn(Optional.of(drill(Drill.Kind.SWITCHOVER)));

        drills.recoverInterrupted(operation(OperationKind.DRILL, OperationState.RUNNING));

        verify(runtime, never()).endAbruptFailure(any(), anyString());
        verify(runtime).resumePooler(desired);
        verify(operations).fail(eq(operationId), any());
    }

    @Test
    void aPoolerThatCannotBeResumedIsNamedInTheReasonAndTheDrillStillFails() {
        when(ledger.ofOperation(operationId)).thenReturn(Optional.of(drill(Drill.Kind.SWITCHOVER)));
        doThrow(new IllegalStateException("PgBouncer console: connection refused")).when(runtime).resumePooler(desired);

        drills.recoverInterrupted(operation(OperationKind.DRILL, OperationState.RUNNING));

        ArgumentCaptor<String> reason = ArgumentCaptor.forClass(String.class);
        verify(operations).fail(eq(operationId), reason.capture());
        assertThat(reason.getValue()).startsWith(OperationHandler.INTERRUPTED)
                .contains("resuming the pooler failed: PgBouncer console: connection refused");
    }

    @Test
    void anInterruptedSwitchoverResumesThePoolerAndFails() {
        switchovers.recoverInterrupted(operation(OperationKind.SWITCHOVER, OperationState.RUNNING));

        verify(runtime).resumePooler(desired);
        ArgumentCaptor<String> reason = ArgumentCaptor.forClass(String.class);
        verify(operations).fail(eq(operationId), reason.capture());
        assertThat(reason.getValue()).isEqualTo(OperationHandler.INTERRUPTED + " The pooler was resumed.");
        verify(events).warningOnce(eq(databaseId), eq("SwitchoverFailed"), anyString());
    }

    @Test
    void anOperationAlreadyEndedIsNotFailedAgain() {
        DatabaseOperation ended = operation(OperationKind.SWITCHOVER, OperationState.SUCCEEDED);
        when(operations.find(operationId)).thenReturn(Optional.of(ended));

        switchovers.recoverInterrupted(operation(OperationKind.SWITCHOVER, OperationState.RUNNING));

        verify(runtime).resumePooler(desired);
        verify(operations, never()).fail(any(), any());
    }

    @Test
    void aRequestedDrillGetsATriggerEvenWhenItsDatabaseHasACronTrigger() {
        drills.resumeRequested(operation(OperationKind.DRILL, OperationState.REQUESTED));

        verify(schedules).runSoon(OperationKind.DRILL, databaseId, operationId, Duration.ZERO);
    }

    @Test
    void aRequestedSwitchoverLeftByAStoppedControlPlaneFailsAndTouchesNoPooler() {
        DatabaseOperation requested = operation(OperationKind.SWITCHOVER, OperationState.REQUESTED);
        when(operations.find(operationId)).thenReturn(Optional.of(requested));

        switchovers.resumeRequested(operation(OperationKind.SWITCHOVER, OperationState.REQUESTED));

        verify(operations).fail(eq(operationId), org.mockito.ArgumentMatchers.startsWith("Not run"));
        verifyNoInteractions(runtime);
    }

    @Test
    void aScheduleFiringRunsTheDrillItRequestedAndNothingWhenNoneWas() {
        DrillService service = mock(DrillService.class);
        DrillOperations handler = new DrillOperations(service, runner, ledger, null, schedules, events);
        when(service.scheduledDrill(databaseId)).thenReturn(Optional.of(operationId), Optional.empty());

        handler.onSchedule(databaseId);
        handler.onSchedule(databaseId);

        verify(runner).run(operationId);
        verify(runner, org.mockito.Mockito.times(1)).run(any());
    }

    private Drill drill(Drill.Kind kind) {
        Drill d = new Drill(databaseId, kind, Drill.Trigger.ON_DEMAND);
        d.runsAs(operationId);
        d.start();
        d.leaderIs("orders-0");
        return d;
    }

    private DatabaseOperation operation(OperationKind kind, OperationState state) {
        DatabaseOperation op = mock(DatabaseOperation.class);
        when(op.getId()).thenReturn(operationId);
        when(op.getDatabaseId()).thenReturn(databaseId);
        when(op.getKind()).thenReturn(kind);
        when(op.getState()).thenReturn(state);
        return op;
    }
}
