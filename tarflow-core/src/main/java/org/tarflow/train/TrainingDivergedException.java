package org.tarflow.train;

/** Training produced a non-finite loss; the message names the step and where the last checkpoint is. */
public final class TrainingDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was non-finite, at which step and epoch, and what to do about it
     */
    public TrainingDivergedException(String message) {
        super(message);
    }
}
