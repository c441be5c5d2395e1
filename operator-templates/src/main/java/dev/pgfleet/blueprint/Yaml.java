package dev.pgfleet.blueprint;

import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;

/** Deterministic block-style YAML, so rendered configuration can be compared with golden files. */
public final class Yaml {
    private Yaml() {
    }

    public static String dump(Map<String, Object> document) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setSplitLines(false);
        options.setExplicitStart(false);
        return new org.yaml.snakeyaml.Yaml(options).dump(document);
    }
}
