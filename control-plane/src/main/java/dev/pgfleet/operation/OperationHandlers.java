package dev.pgfleet.operation;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** Every feature's {@link OperationHandler}, by kind (at most one per kind). */
@Component
class OperationHandlers {
    private final Map<OperationKind, OperationHandler> byKind = new EnumMap<>(OperationKind.class);

    OperationHandlers(List<OperationHandler> handlers) {
        for (OperationHandler h : handlers) {
            if (byKind.put(h.kind(), h) != null) {
                throw new IllegalStateException("two handlers for " + h.kind());
            }
        }
    }

    Optional<OperationHandler> of(OperationKind kind) {
        return Optional.ofNullable(byKind.get(kind));
    }
}
