package org.bastionforest.api.service;

/**
 * The health of one component, as {@code GET /health} shows it. The detail is short and never holds
 * a secret or a stack trace. Immutable.
 */
public record ComponentHealth(Status status, String detail) {
    public enum Status {
        UP,
        DOWN
    }

    public static ComponentHealth up(String detail) {
        return new ComponentHealth(Status.UP, detail);
    }

    public static ComponentHealth down(String detail) {
        return new ComponentHealth(Status.DOWN, detail);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isUp() {
        return status == Status.UP;
    }
}
