package dev.pgfleet.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * etcd's cluster membership, administered as root through the gRPC gateway (I/O): list the members, and replace
 * one whose data was lost. etcd refuses a member that comes back with an empty data directory under its old
 * identity (its log would be behind what the cluster knows it acknowledged), so replacing means removing its
 * stale entry and adding it again with the same peer URL: it then joins as a new member with
 * {@code --initial-cluster-state=existing} and receives a snapshot from the leader. The shared etcd on Kubernetes
 * uses this (KubernetesEtcd); EtcdMemberReplacementIntegrationTest runs it against three real etcd processes.
 */
public class EtcdMembership {
    private final EtcdClient etcd;

    public EtcdMembership(EtcdClient etcd) {
        this.etcd = etcd;
    }

    /**
     * One member as etcd lists it.
     *
     * @param id   etcd's member ID (an unsigned 64-bit number, kept as etcd's decimal text)
     * @param name       empty while an added member has not started yet (a member of the initial cluster has its name
     *                   from the start)
     * @param clientUrls published by the member itself once it has started: empty before
     */
    public record Member(String id, String name, List<String> peerUrls, List<String> clientUrls) {
        public boolean started() {
            return !clientUrls.isEmpty();
        }
    }

    public List<Member> listMembers() throws IOException, InterruptedException {
        List<Member> members = new ArrayList<>();
        for (JsonNode m : etcd.call("/v3/cluster/member/list", Map.of()).path("members")) {
            members.add(new Member(m.path("ID").asText(), m.path("name").asText(""), texts(m.path("peerURLs")), texts(m.path("clientURLs"))));
        }
        return members;
    }

    /**
     * Makes {@code name} (advertising {@code peerUrl}) a member that can join afresh: its stale entry is removed and
     * a new, not yet started one is added with the same peer URL. Idempotent: when an unstarted entry with that peer
     * URL exists already (an earlier call, or a crash after the add), nothing changes. etcd itself (its strict
     * reconfiguration check, on by default) refuses a removal or addition that could cost the quorum, and any change
     * while its members have not been connected for a few seconds, with "unhealthy cluster": the caller retries.
     *
     * @return the ID of the (new) unstarted member
     */
    public String replaceMember(String name, String peerUrl) throws IOException, InterruptedException {
        List<Member> members = listMembers();
        Optional<Member> pending = members.stream().filter(m -> !m.started() && m.peerUrls().contains(peerUrl)).findFirst();
        if (pending.isPresent()) {
            return pending.get().id();
        }
        Optional<Member> stale = members.stream().filter(m -> name.equals(m.name()) || m.peerUrls().contains(peerUrl)).findFirst();
        if (stale.isPresent()) {
            etcd.call("/v3/cluster/member/remove", Map.of("ID", stale.get().id()));
        }
        return etcd.call("/v3/cluster/member/add", Map.of("peerURLs", List.of(peerUrl))).path("member").path("ID").asText();
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
