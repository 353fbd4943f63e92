package org.tarflow.data;

import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/** Training or test data for a TarFlow model: images ({@link ImageDataset}) or sequences ({@link SequenceDataset}). */
public interface Dataset {
    /** {@return the number of items N} */
    int size();

    /** {@return the shape of one item: (C, H, W) for images, (T, D) for sequences} */
    int[] itemShape();

    /**
     * {@return items {@code indices} as a new (B, C, H, W) tensor of images in [-1, 1] or (B, T, D) sequences}
     *
     * @param indices the items, in batch order (B = {@code indices.length}; repeats allowed)
     * @param dtype   the dtype of the tensor (that of the model)
     */
    Tensor batch(int[] indices, DType dtype);

    /**
     * {@return labels of items {@code indices}, in [0, {@link #numClasses()}) (a new array); null when the
     * data have no labels}
     *
     * @param indices the items, in batch order
     */
    int[] labels(int[] indices);

    /** {@return the number of classes; 0 when the data have no labels} */
    int numClasses();

    /**
     * {@return a dataset of the first {@code n} items (or all if fewer)}, as {@code --train-images} uses
     *
     * @param n how many items to keep
     */
    Dataset head(int n);
}
