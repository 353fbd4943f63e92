package org.tarflow.nn;

import static org.tarflow.TestTensors.randn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.tarflow.GradCheck;
import org.tarflow.TestTensors;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Backends;

/** Every layer's backward pass (input and parameter gradients) against central finite differences in float64. */
class LayerGradientProperties {
    private static final Kernels K = Backends.get("simd");
    private static final DType F64 = DType.F64;

    @Property(tries = 15)
    void linear(@ForAll long seed, @ForAll @IntRange(min = 1, max = 7) int rows,
                @ForAll @IntRange(min = 1, max = 20) int in, @ForAll @IntRange(min = 1, max = 20) int out) {
        SplittableRandom rng = new SplittableRandom(seed);
        Linear l = new Linear("lin", in, out, F64, K);
        l.init(rng);
        Tensor x = randn(F64, rng, 2, rows, in);
        // a Linear saves nothing: its backward takes the input, kept here next to the output
        GradCheck.check("Linear", x, GradCheck.Layer.<Tensor[]>of((v, ws) -> new Tensor[] {v, l.forward(v, ws)}, t -> t[1],
                (dy, t, g, ws) -> l.backward(dy, t[0], g, ws)), l.parameters(), K, 30, seed);
    }

    @Property(tries = 15)
    void layerNorm(@ForAll long seed, @ForAll @IntRange(min = 1, max = 7) int rows,
                   @ForAll @IntRange(min = 2, max = 40) int c) {
        SplittableRandom rng = new SplittableRandom(seed);
        LayerNorm n = new LayerNorm("norm", c, F64, K);
        TestTensors.perturb(n.parameters(), 0.3, rng);
        Tensor x = randn(F64, rng, rows, c);
        // the layer keeps the input and the row statistics; the output is kept here next to them
        GradCheck.check("LayerNorm", x, GradCheck.Layer.<Object[]>of((v, ws) -> {
            Tensor y = ws.zerosLike(v);
            return new Object[] {n.forward(v, y, ws.zeros(v.dtype(), v.size() / c), ws.zeros(v.dtype(), v.size() / c)), y};
        }, o -> (Tensor) o[1], (dy, o, g, ws) -> n.backward(dy, (LayerNorm.Activations) o[0], g, ws)),
                n.parameters(), K, 30, seed);
    }

    @Property(tries = 8)
    void mlp(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int t) {
        SplittableRandom rng = new SplittableRandom(seed);
        Mlp m = new Mlp("mlp", 64, F64, K);
        m.init(rng);
        TestTensors.perturb(m.parameters(), 0.05, rng);
        Tensor x = randn(F64, rng, 2, t, 64);
        GradCheck.check("MLP", x, GradCheck.Layer.of(m::forward, Mlp.Activations::y, m::backward), m.parameters(), K, 20, seed);
    }

    @Property(tries = 8)
    void attention(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int t, @ForAll boolean twoHeads,
                   @ForAll @IntRange(min = 1, max = 3) int tempTenths) {
        SplittableRandom rng = new SplittableRandom(seed);
        int c = twoHeads ? 128 : 64;
        Attention a = new Attention("attn", c, F64, K);
        a.init(rng);
        TestTensors.perturb(a.parameters(), 0.05, rng);
        double temp = 0.5 * tempTenths;
        Tensor x = randn(F64, rng, 2, t, c);
        GradCheck.check("Attention", x, GradCheck.Layer.of((v, ws) -> a.forward(v, temp, ws), Attention.Activations::y, a::backward),
                a.parameters(), K, 20, seed);
    }

    @Property(tries = 6)
    void attentionBlock(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int t) {
        SplittableRandom rng = new SplittableRandom(seed);
        AttentionBlock b = new AttentionBlock("blk", 64, F64, K);
        b.init(rng);
        TestTensors.perturb(b.parameters(), 0.05, rng);
        Tensor x = randn(F64, rng, 2, t, 64);
        List<Parameter> ps = new ArrayList<>(b.parameters());
        GradCheck.check("AttentionBlock", x, GradCheck.Layer.of((v, ws) -> b.forward(v, 1.0, ws), AttentionBlock.Activations::y,
                b::backward), ps, K, 15, seed);
    }
}
