package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void anAllBlackImageCanBeClassified() {
        ImageDataset train = EvalData.bars(60, 9, 3, 3);
        PixelClassifier c = PixelClassifier.train(train, List.of("a", "b", "c"), 1, 7);
        Tensor black = Tensor.zeros(DType.F32, 1, 1, 9, 9);
        black.fill(-1);
        int y = c.predict(black)[0];
        assertTrue(y >= 0 && y < 3);
    }
}
