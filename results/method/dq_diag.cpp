// Diagnostic for results/method-experiments.md: why SGD (lr 0.01, momentum 0.9) diverges right after
// Adam pretraining. Loads a pretrained autoencoder cache (TrainConfig::pretrained_path) and prints
// activation scales, gradient norms of J and R, and the largest Hessian eigenvalue (sharpness) of
// each term along the parameters, by power iteration on finite-difference Hessian-vector products.
// SGD with heavy-ball momentum mu and step lr is stable on a quadratic only if lr * sharpness < 2 (1 + mu).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "autoencoder.h"
#include "dataset.h"
#include "kmeans.h"
#include "nn.h"

using namespace dqt;

static std::vector<float> readvec(std::ifstream& f) {
    uint64_t n;
    f.read(reinterpret_cast<char*>(&n), 8);
    std::vector<float> v(n);
    f.read(reinterpret_cast<char*>(v.data()), std::streamsize(n * 4));
    return v;
}

int main(int argc, char** argv) {
    const std::string path = argv[1];
    const int bits = std::atoi(argv[2]);
    const bool mean_r = argc > 3 && std::string(argv[3]) == "mean";
    Dataset ds = load_dataset("mnist10k");
    const uint32_t M = bits / 8, L = 16 * M;
    Autoencoder ae(uint32_t(ds.dim), {500, 500, 2000}, L);
    std::ifstream f(path, std::ios::binary);
    char magic[8];
    f.read(magic, 8);
    ae.encoder.params() = readvec(f);
    ae.decoder.params() = readvec(f);
    const size_t B = 512;
    Mat x(B, ds.dim);
    for (size_t i = 0; i < B; ++i) std::memcpy(x.row(i).data(), ds.row(i * 17), ds.dim * 4);
    std::vector<float> zall(ds.n * L);
    ae.encoder.predict(ds.x.data(), ds.n, zall.data());
    std::vector<uint8_t> asg;
    std::vector<float> cb = train_pq_codebooks(zall.data(), ds.n, M, 16, 256, 10, 1, &asg);
    Mat pos(B, L);
    for (size_t i = 0; i < B; ++i)
        for (uint32_t m = 0; m < M; ++m)
            std::memcpy(pos.row(i).data() + m * 16, cb.data() + (m * 256 + asg[(i * 17) * M + m]) * 16, 64);
    MlpCache ce, cd;
    const Mat& z = ae.encoder.forward(x, ce);
    double z2 = 0;
    for (Eigen::Index i = 0; i < z.rows(); ++i) z2 += z.row(i).squaredNorm();
    std::printf("mean |z|^2 %.3f  (rms per dim %.3f)\n", z2 / B, std::sqrt(z2 / B / L));
    for (size_t l = 1; l < ce.a.size(); ++l) {
        double s = 0;
        for (Eigen::Index i = 0; i < ce.a[l].rows(); ++i) s += ce.a[l].row(i).squaredNorm();
        std::printf("encoder layer %zu output: mean |h|^2 %.1f (width %ld)\n", l, s / B, long(ce.a[l].cols()));
    }
    ae.decoder.forward(z, cd);
    for (size_t l = 1; l < cd.a.size(); ++l) {
        double s = 0;
        for (Eigen::Index i = 0; i < cd.a[l].rows(); ++i) s += cd.a[l].row(i).squaredNorm();
        std::printf("decoder layer %zu output: mean |h|^2 %.1f (width %ld)\n", l, s / B, long(cd.a[l].cols()));
    }
    // Gradient of R (decoder + encoder) and of quad J (encoder) at the given parameters.
    auto gradR = [&](std::vector<float>& ge, std::vector<float>& gd) {
        MlpCache a, b;
        Mat zz = ae.encoder.forward(x, a);
        const Mat& xh = ae.decoder.forward(zz, b);
        Mat gx, dz;
        double R = mse_loss(xh, x, &gx);
        if (mean_r) gx /= float(ds.dim), R /= ds.dim;
        ge.resize(ae.encoder.num_params());
        gd.resize(ae.decoder.num_params());
        ae.decoder.backward(b, gx, gd.data(), &dz);
        ae.encoder.backward(a, dz, ge.data(), nullptr);
        return R;
    };
    auto gradJ = [&](std::vector<float>& ge, std::vector<float>& gd) {
        MlpCache a;
        Mat zz = ae.encoder.forward(x, a);
        Mat g = (zz - pos) * (2.0f / B);
        double J = (zz - pos).squaredNorm() / B;
        ge.resize(ae.encoder.num_params());
        gd.assign(ae.decoder.num_params(), 0.0f);
        ae.encoder.backward(a, g, ge.data(), nullptr);
        return J;
    };
    for (int term = 0; term < 2; ++term) {
        auto grad = [&](std::vector<float>& ge, std::vector<float>& gd) { return term == 0 ? gradR(ge, gd) : gradJ(ge, gd); };
        std::vector<float> ge, gd;
        double loss = grad(ge, gd);
        double gn = 0;
        for (float v : ge) gn += double(v) * v;
        for (float v : gd) gn += double(v) * v;
        // power iteration over the concatenated parameters
        const size_t ne = ge.size(), nd = gd.size();
        std::vector<float> v(ne + nd);
        SplitMix64 rng(3);
        for (auto& t : v) t = float(rng.normal());
        double lam = 0;
        std::vector<float> pe0 = ae.encoder.params(), pd0 = ae.decoder.params();
        for (int it = 0; it < 15; ++it) {
            double nv = 0;
            for (float t : v) nv += double(t) * t;
            nv = std::sqrt(nv);
            for (auto& t : v) t = float(t / nv);
            const float eps = 1e-3f;
            for (size_t i = 0; i < ne; ++i) ae.encoder.params()[i] = pe0[i] + eps * v[i];
            for (size_t i = 0; i < nd; ++i) ae.decoder.params()[i] = pd0[i] + eps * v[ne + i];
            std::vector<float> he, hd;
            grad(he, hd);
            ae.encoder.params() = pe0;
            ae.decoder.params() = pd0;
            double dot = 0;
            for (size_t i = 0; i < ne; ++i) v[i] = (he[i] - ge[i]) / eps, dot += 0;
            for (size_t i = 0; i < nd; ++i) v[ne + i] = (hd[i] - gd[i]) / eps;
            double nh = 0;
            for (float t : v) nh += double(t) * t;
            lam = std::sqrt(nh);
        }
        std::printf("%s: loss %.4g  |grad| %.4g  sharpness ~ %.4g  -> SGD(mu 0.9) stable for lr < %.3g\n",
                    term == 0 ? (mean_r ? "R (mean over pixels)" : "R (sum over pixels)") : "quad J (squared)", loss,
                    std::sqrt(gn), lam, 3.8 / lam);
    }
    return 0;
}
