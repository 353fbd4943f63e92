package org.tarflow.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

class ImageGridTest {
    @Test
    void laysOutLikeTorchvisionMakeGrid() {
        // 3 grey 2x2 images, 2 per row: width 2*(2+2)+2 = 10, height 2*(2+2)+2 = 10
        Tensor x = Tensor.of(DType.F64, new double[] {
            -1, 0, 0, 0,
            0, 0, 0, 3,
            0, 0, 1, 0}, 3, 1, 2, 2);
        BufferedImage img = ImageGrid.render(x, 2);
        assertEquals(10, img.getWidth());
        assertEquals(10, img.getHeight());
        assertEquals(0, img.getRaster().getSample(2, 2, 0), "min maps to 0");
        assertEquals(ImageGrid.toByte(0.25), img.getRaster().getSample(3, 2, 0), "0 is a quarter of the way from -1 to 3");
        assertEquals(255, img.getRaster().getSample(7, 3, 0), "max maps to 255 (image 1 at x=6.., bottom right)");
        assertEquals(ImageGrid.toByte(0.5), img.getRaster().getSample(2, 7, 0), "image 2 starts at y=6");
        assertEquals(0, img.getRaster().getSample(0, 0, 0), "padding is black");
        assertEquals(0, img.getRaster().getSample(9, 9, 0), "the missing fourth image is black");
        assertEquals(64, ImageGrid.toByte(0.25), "floor(255 * 0.25 + 0.5)");
    }

    @Test
    void enlargedGridsRepeatEachPixel(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        Tensor x = Tensor.of(DType.F64, new double[] {-1, 0.5, 0, 1}, 1, 1, 2, 2);
        java.nio.file.Path file = dir.resolve("g.png");
        ImageGrid.write(file, x, 1, 3);
        BufferedImage big = javax.imageio.ImageIO.read(file.toFile());
        BufferedImage small = ImageGrid.render(x, 1);
        assertEquals(3 * small.getWidth(), big.getWidth());
        for (int y = 0; y < big.getHeight(); y++) {
            for (int xx = 0; xx < big.getWidth(); xx++) {
                assertEquals(small.getRaster().getSample(xx / 3, y / 3, 0), big.getRaster().getSample(xx, y, 0));
            }
        }
    }
}
