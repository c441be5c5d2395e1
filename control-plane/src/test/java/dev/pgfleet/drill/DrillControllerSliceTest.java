package dev.pgfleet.drill;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.tenantToken;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.Unprocessable;
import dev.pgfleet.problem.UpstreamFailed;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** Switchovers and drills through the API: the success shapes, and each refusal with its status as problem+json. */
@ApiSliceTest
class DrillControllerSliceTest {
    private static final UUID DB = UUID.fromString("13131313-1313-1313-1313-131313131313");
    private static final String BASE = "/api/v1/databases/" + DB;

    @Autowired
    private MockMvc mvc;
    @Autowired
    private DrillService drills;
    @Autowired
    private SwitchoverOperations switchovers;

    @Test
    void aSwitchoverAnswersWithTheOldAndNewLeaderAndThePoolersPause() throws Exception {
        when(switchovers.switchover(eq(TENANT), eq(DB), any())).thenReturn(new Switchover.Result("shop-0", "shop-1", Duration.ofMillis(850), "ok"));

        mvc.perform(post(BASE + "/switchover").with(tenantToken()).contentType(MediaType.APPLICATION_JSON).content("{\"candidate\":\"shop-1\"}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.oldLeader").value("shop-0"))
                .andExpect(jsonPath("$.newLeader").value("shop-1"))
                .andExpect(jsonPath("$.poolerPausedMillis").value(850));
    }

    @Test
    void aSwitchoverRefusedOrFailedUpstreamKeepsItsStatus() throws Exception {
        when(switchovers.switchover(eq(TENANT), eq(DB), any())).thenThrow(new Conflict("Busy", "A backup runs on this database."));
        mvc.perform(post(BASE + "/switchover").with(tenantToken())).andExpect(status().isConflict())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));

        when(switchovers.switchover(eq(TENANT), eq(DB), any())).thenThrow(new UpstreamFailed("Switchover failed", "Patroni said no."));
        mvc.perform(post(BASE + "/switchover").with(tenantToken())).andExpect(status().isBadGateway())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @Test
    void aDrillIsAcceptedWithItsLocation() throws Exception {
        Drill drill = mock(Drill.class);
        UUID id = UUID.randomUUID();
        when(drill.getId()).thenReturn(id);
        when(drill.getKind()).thenReturn(Drill.Kind.KILL_PRIMARY);
        when(drill.getTrigger()).thenReturn(Drill.Trigger.ON_DEMAND);
        when(drill.getStatus()).thenReturn(Drill.Status.PENDING);
        when(drill.getCreatedAt()).thenReturn(Instant.parse("2026-01-01T00:00:00Z"));
        when(drills.requestDrill(eq(TENANT), eq(DB), any())).thenReturn(drill);

        mvc.perform(post(BASE + "/drills").with(tenantToken()).contentType(MediaType.APPLICATION_JSON).content("{\"type\":\"kill-primary\"}"))
                .andExpect(status().isAccepted())
                .andExpect(header().string("Location", BASE + "/drills/" + id))
                .andExpect(jsonPath("$.type").value("kill-primary"))
                .andExpect(jsonPath("$.status").value("PENDING"))
                .andExpect(jsonPath("$.passed").doesNotExist());
    }

    @Test
    void anInvalidPolicyIs422NamingTheFieldAndNoTokenIs401() throws Exception {
        when(drills.updatePolicy(eq(TENANT), eq(DB), any())).thenThrow(new Unprocessable("Invalid schedule", "At most daily.", "cron"));
        mvc.perform(put(BASE + "/drill-policy").with(tenantToken()).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"cron\":\"0 * * * * ?\",\"enabled\":true}"))
                .andExpect(status().isUnprocessableEntity()).andExpect(jsonPath("$.field").value("cron"));

        mvc.perform(get(BASE + "/drills")).andExpect(status().isUnauthorized());
        verifyNoInteractions(switchovers);
    }
}
