package org.tarflow.cli;

import java.util.Locale;
import org.tarflow.train.Trainer;

/** A training listener that shows steps and loss on a {@link ProgressBar} (on stderr), created at the first step. */
final class TrainingProgress implements Trainer.Listener {
    private ProgressBar bar;

    @Override
    public void step(Trainer.StepInfo s) {
        if (bar == null) {
            bar = new ProgressBar(System.err, "training");
        }
        bar.update((int) s.step(), (int) s.totalSteps(), String.format(Locale.ROOT, "loss %.3f", s.loss()));
    }

    @Override
    public void epoch(Trainer.EpochSummary s) {
    }

    /** Ends the bar's line, if a step was shown. */
    void finish() {
        if (bar != null) {
            bar.finish();
        }
    }
}
