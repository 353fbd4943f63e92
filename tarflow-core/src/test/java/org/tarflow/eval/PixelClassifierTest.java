package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tarflow.data.ImageDataset;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

class PixelClassifierTest {
    @Test
    void separableImagesAreClassifiedPerfectly() {
        List<String> names = List.of("left", "middle", "right");
        PixelClassifier c = PixelClassifier.train(EvalData.bars(300, 9, 3, 1), names, 3, 7);
        ClassificationReport r = c.evaluate(EvalData.bars(200, 9, 3, 2));
        assertEquals(1.0, r.accuracy(), r.toString());
        assertEquals(200, r.support()[0] + r.support()[1] + r.support()[2]);
    }

    /**
     * An all-black image has no pixel feature at all, only the constant ({@code bias}): it must still be
     * classified, and as the class whose training images are all black, the one class whose examples are
     * that constant alone (put last in label order, so that a constant or mis-mapped prediction shows).
     */
    @Test
    void anAllBlackImageIsClassifiedAsTheClassOfAllBlackImages() {
        ImageDataset bars = EvalData.bars(60, 9, 3, 3);
        int black = 20;
        byte[] pixels = Arrays.copyOf(bars.pixels(), bars.pixels().length + black * bars.imageSize()); // byte 0 is -1
        int[] labels = Arrays.copyOf(bars.labels(), bars.size() + black);
        Arrays.fill(labels, bars.size(), labels.length, 3);
        ImageDataset train = new ImageDataset(pixels, labels, 1, 9, 9, 4);
        PixelClassifier c = PixelClassifier.train(train, List.of("left", "middle", "right", "black"), 3, 7);
        Tensor image = Tensor.zeros(DType.F32, 1, 1, 9, 9);
        image.fill(-1);
        assertArrayEquals(new int[] {3}, c.predict(image));
    }
}
