package dev.pgfleet.dashboard;

import dev.pgfleet.problem.DomainException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What was wrong with a submitted form, by field, for inline messages; the key {@link #FORM} holds a message
 * about the form as a whole. A refusal from a service names its field ({@link DomainException#field()}), so the
 * dashboard shows the API's own sentence beside the input that caused it.
 */
public final class FormErrors {
    public static final String FORM = "form";
    public static final String MODEL_ATTRIBUTE = "errors";

    private final Map<String, String> byField = new LinkedHashMap<>();

    public void reject(String field, String message) {
        byField.putIfAbsent(field, message);
    }

    /** The refusal beside its field when the form has that field, else as a message about the whole form. */
    public void reject(DomainException e, String... formFields) {
        rejectAt(e.field(), e.getMessage(), formFields);
    }

    private void rejectAt(String field, String message, String... formFields) {
        for (String f : formFields) {
            if (f.equals(field)) {
                reject(f, message);
                return;
            }
        }
        reject(FORM, message);
    }

    public boolean any() {
        return !byField.isEmpty();
    }

    /** For templates: {@code ${errors.of('name')}}, null when the field is fine. */
    public String of(String field) {
        return byField.get(field);
    }

    public Map<String, String> all() {
        return Map.copyOf(byField);
    }
}
