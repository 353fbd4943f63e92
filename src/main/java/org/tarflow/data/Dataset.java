package org.tarflow.data;

import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/** Training or test data for a TarFlow model: images ({@link ImageDataset}) or sequences ({@link SequenceDataset}). */
public interface Dataset {
    /** Number of items N. */
    int size();

    /** The shape of one item: (C, H, W) for images, (T, D) for sequences. */
    int[] itemShape();

    /** Items {@code indices} as (B, C, H, W) images in [-1, 1] or (B, T, D) sequences. */
    Tensor batch(int[] indices, DType dtype);

    /** Labels of items {@code indices}, in [0, {@link #numClasses()}); null when the data have no labels. */
    int[] labels(int[] indices);

    /** Number of classes; 0 when the data have no labels. */
    int numClasses();

    /** The first {@code n} items (or all if fewer). */
    Dataset head(int n);
}
