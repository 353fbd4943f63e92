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
import org.tarflow.tensor.Workspace;
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
        GradCheck.check("Linear", x, new GradCheck.Layer<Tensor[]>() {
            // a Linear saves nothing: its backward takes the input
            public Tensor[] forward(Tensor v, Workspace ws) {
                return new Tensor[] {v, l.forward(v, ws)};
            }

            public Tensor output(Tensor[] a) {
                return a[1];
            }

            public Tensor backward(Tensor dy, Tensor[] a, Gradients g, Workspace ws) {
                return l.backward(dy, a[0], g, ws);
            }
        }, l.parameters(), K, 30, seed);
    }

    @Property(tries = 15)
    void layerNorm(@ForAll long seed, @ForAll @IntRange(min = 1, max = 7) int rows,
                   @ForAll @IntRange(min = 2, max = 40) int c) {
        SplittableRandom rng = new SplittableRandom(seed);
        LayerNorm n = new LayerNorm("norm", c, F64, K);
        TestTensors.perturb(n.parameters(), 0.3, rng);
        Tensor x = randn(F64, rng, rows, c);
        GradCheck.check("LayerNorm", x, new GradCheck.Layer<Object[]>() {
            // {activations, output}: the layer keeps only the input and the row statistics
            public Object[] forward(Tensor v, Workspace ws) {
                Tensor y = ws.zerosLike(v);
                return new Object[] {n.forward(v, y, ws.zeros(v.dtype(), v.size() / c),
                        ws.zeros(v.dtype(), v.size() / c)), y};
            }

            public Tensor output(Object[] a) {
                return (Tensor) a[1];
            }

            public Tensor backward(Tensor dy, Object[] a, Gradients g, Workspace ws) {
                return n.backward(dy, (LayerNorm.Activations) a[0], g, ws);
            }
        }, n.parameters(), K, 30, seed);
    }

    @Property(tries = 8)
    void mlp(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int t) {
        SplittableRandom rng = new SplittableRandom(seed);
        Mlp m = new Mlp("mlp", 64, F64, K);
        m.init(rng);
        TestTensors.perturb(m.parameters(), 0.05, rng);
        Tensor x = randn(F64, rng, 2, t, 64);
        GradCheck.check("MLP", x, new GradCheck.Layer<Mlp.Activations>() {
            public Mlp.Activations forward(Tensor v, Workspace ws) {
                return m.forward(v, ws);
            }

            public Tensor output(Mlp.Activations a) {
                return a.y();
            }

            public Tensor backward(Tensor dy, Mlp.Activations a, Gradients g, Workspace ws) {
                return m.backward(dy, a, g, ws);
            }
        }, m.parameters(), K, 20, seed);
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
        GradCheck.check("Attention", x, new GradCheck.Layer<Attention.Activations>() {
            public Attention.Activations forward(Tensor v, Workspace ws) {
                return a.forward(v, temp, ws);
            }

            public Tensor output(Attention.Activations acts) {
                return acts.y();
            }

            public Tensor backward(Tensor dy, Attention.Activations acts, Gradients g, Workspace ws) {
                return a.backward(dy, acts, g, ws);
            }
        }, a.parameters(), K, 20, seed);
    }

    @Property(tries = 6)
    void attentionBlock(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int t) {
        SplittableRandom rng = new SplittableRandom(seed);
        AttentionBlock b = new AttentionBlock("blk", 64, F64, K);
        b.init(rng);
        TestTensors.perturb(b.parameters(), 0.05, rng);
        Tensor x = randn(F64, rng, 2, t, 64);
        List<Parameter> ps = new ArrayList<>(b.parameters());
        GradCheck.check("AttentionBlock", x, new GradCheck.Layer<AttentionBlock.Activations>() {
            public AttentionBlock.Activations forward(Tensor v, Workspace ws) {
                return b.forward(v, 1.0, ws);
            }

            public Tensor output(AttentionBlock.Activations acts) {
                return acts.y();
            }

            public Tensor backward(Tensor dy, AttentionBlock.Activations acts, Gradients g, Workspace ws) {
                return b.backward(dy, acts, g, ws);
            }
        }, ps, K, 15, seed);
    }
}
