-- The per-tenant bounds (restores waiting or running per tenant: Operations.activeOfTenant, i.e.
-- countByTenantIdAndKindAndStateIn) count a tenant's active operations of one kind; without this index each count scans
-- every operation ever recorded.
create index database_operations_tenant_active on database_operations (tenant_id, kind) where state in ('REQUESTED', 'RUNNING');
