package dev.pgfleet.provisioning;

import dev.pgfleet.database.RuntimeInfo;

/**
 * The runtime port as its adapters see it (LocalRuntime, KubernetesRuntime): one type to implement, made of the
 * roles callers depend on one at a time — {@link RuntimeInfo} (the API's placement and endpoints),
 * {@link ClusterConvergence} (the reconciler), {@link PoolerControl} (switchovers), {@link FaultInjection} (drills)
 * and {@link ClusterInsights} (the dashboard). No caller outside provisioning should need this aggregate.
 */
public interface DataPlaneRuntime extends RuntimeInfo, ClusterConvergence, FaultInjection, ClusterInsights {
}
