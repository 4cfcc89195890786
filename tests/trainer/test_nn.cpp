// The training network: GEMMs against a naive product and bit-identical across piece and thread counts,
// every layer's gradient against central finite differences, MSE, optimizers against hand-computed
// steps, initialization scale, and the encoder export matching the core's forward pass.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <tuple>
#include <functional>

#include "nn/autoencoder.h"
#include "data/dataset.h"
#include "dq/encoder.h"
#include "nn/gemm.h"
#include "nn/mlp.h"
#include "nn/optimizer.h"
#include "test_support.h"

using dqt::Mat;

namespace {

Mat random_mat(Eigen::Index r, Eigen::Index c, uint64_t seed, double scale = 1.0) {
    dqt::SplitMix64 rng(seed);
    Mat m(r, c);
    for (Eigen::Index i = 0; i < r; ++i)
        for (Eigen::Index j = 0; j < c; ++j) m(i, j) = float(rng.normal() * scale);
    return m;
}


bool same_bits(const Mat& a, const Mat& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), sizeof(float) * size_t(a.size())) == 0;
}

// Loss used by the gradient checks: sum of c ⊙ f(x) for a fixed random c, evaluated in double.
double weighted_sum(const Mat& y, const Mat& c) {
    return (y.cast<double>().array() * c.cast<double>().array()).sum();
}

}  // namespace

TEST_CASE("GEMMs match a naive product and are bit-identical for any piece and thread count", "[nn]") {
    // Tiny shapes, shapes around the 24-row piece grain, and the network's own layer shapes (batch
    // 256 / 512; 784-500-500-2000-L), whose tails exercise Eigen's non-FMA edge paths.
    const std::vector<std::tuple<int, int, int>> shapes{
        {1, 3, 2},      {23, 17, 40},   {25, 64, 8},     {70, 33, 300},  {300, 20, 7},
        {256, 784, 500}, {512, 500, 500}, {256, 500, 2000}, {512, 2000, 64}, {256, 64, 2000},
        {257, 2000, 16}, {512, 500, 784}, {100, 30, 1}, {1, 30, 100}, {60, 1, 50}, {49, 5, 5}};
    for (auto [n, in, out] : shapes) {
        INFO("n=" << n << " in=" << in << " out=" << out);
        Mat x = random_mat(n, in, 1), dy = random_mat(n, out, 2);
        Mat w = random_mat(out, in, 3);
        Mat y1, dx1, g1(out, in);
        dqt::set_gemm_pieces(1);
        dqt::gemm_x_wt(x, w.data(), size_t(out), y1);
        dqt::gemm_dy_w(dy, w.data(), size_t(in), dx1);
        dqt::gemm_dyt_x(dy, x, g1.data());
        for (int pieces = 2; pieces <= 8; ++pieces) {
            INFO("pieces=" << pieces);
            dqt::set_gemm_pieces(pieces);
            dqtest::OmpThreads t(pieces % 2 ? 1 : 2);  // pieces run serially or in parallel: neither may matter
            Mat y2, dx2, g2(out, in);
            dqt::gemm_x_wt(x, w.data(), size_t(out), y2);
            dqt::gemm_dy_w(dy, w.data(), size_t(in), dx2);
            dqt::gemm_dyt_x(dy, x, g2.data());
            CHECK(same_bits(y1, y2));
            CHECK(same_bits(dx1, dx2));
            CHECK(same_bits(g1, g2));
        }
        dqt::set_gemm_pieces(0);
        Eigen::MatrixXd xd = x.cast<double>(), wd = w.cast<double>(), dyd = dy.cast<double>();
        CHECK((y1.cast<double>() - xd * wd.transpose()).cwiseAbs().maxCoeff() < 1e-4 * in);
        CHECK((dx1.cast<double>() - dyd * wd).cwiseAbs().maxCoeff() < 1e-4 * out);
        CHECK((g1.cast<double>() - dyd.transpose() * xd).cwiseAbs().maxCoeff() < 1e-4 * n);
    }
}

TEST_CASE("every layer's gradient matches central finite differences", "[nn]") {
    // ReLU hidden layers and a linear output, as in the autoencoder; inputs away from ReLU kinks
    // are not guaranteed, so the step is small and the check is per coordinate with a tolerance.
    dqt::Mlp net({{6, 5, true}, {5, 4, true}, {4, 3, false}});
    net.init(7);
    // Positive biases keep most ReLUs open so that every layer's weights get a non-zero gradient.
    for (size_t l = 0; l < 2; ++l)
        for (uint32_t j = 0; j < net.layers()[l].out; ++j) net.params()[net.b_offset(l) + j] = 0.3f;
    Mat x = random_mat(4, 6, 11), c = random_mat(4, 3, 12);
    dqt::MlpCache cache;
    net.forward(x, cache);
    Mat dy = c;
    std::vector<float> grad(net.num_params());
    Mat dx;
    net.backward(cache, dy, grad.data(), &dx);

    auto loss_at = [&](const Mat& input) {
        dqt::MlpCache cc;
        return weighted_sum(net.forward(input, cc), c);
    };
    const float h = 1e-2f;
    size_t nonzero = 0;
    for (size_t p = 0; p < net.num_params(); ++p) {
        const float keep = net.params()[p];
        net.params()[p] = keep + h;
        const double up = loss_at(x);
        net.params()[p] = keep - h;
        const double down = loss_at(x);
        net.params()[p] = keep;
        const double fd = (up - down) / (2.0 * h);
        INFO("parameter " << p << " analytic " << grad[p] << " numeric " << fd);
        CHECK(std::abs(fd - grad[p]) < 2e-3 + 2e-3 * std::abs(fd));
        nonzero += grad[p] != 0.0f;
    }
    CHECK(nonzero > net.num_params() / 2);
    for (Eigen::Index i = 0; i < x.rows(); ++i)
        for (Eigen::Index j = 0; j < x.cols(); ++j) {
            Mat xp = x, xm = x;
            xp(i, j) += h;
            xm(i, j) -= h;
            const double fd = (loss_at(xp) - loss_at(xm)) / (2.0 * h);
            CHECK(std::abs(fd - dx(i, j)) < 2e-3 + 2e-3 * std::abs(fd));
        }
}

TEST_CASE("MSE is the batch mean of per-sample squared error sums, with its gradient", "[nn]") {
    Mat a(2, 3), b(2, 3), g;
    a << 1, 2, 3, 0, 0, 0;
    b << 1, 0, 3, 1, 1, 1;
    CHECK(dqt::mse_loss(a, b, &g) == Approx((4.0 + 3.0) / 2.0));
    Mat expect(2, 3);
    expect << 0, 2, 0, -1, -1, -1;  // 2 (a - b) / 2
    CHECK(g.isApprox(expect));
    CHECK_THROWS_WITH(dqt::mse_loss(a, Mat(3, 3), nullptr), "mse: shapes 2 x 3 and 3 x 3 differ");
}

TEST_CASE("input dropout zeroes about p of the inputs, scales the rest, and depends only on its seed", "[nn]") {
    Mat x(200, 500);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = 0.25f + float(i % 7);  // never zero
    for (float p : {0.1f, 0.2f, 0.5f}) {
        Mat a, b, c;
        dqt::drop_inputs(x, p, 42, a);
        dqt::drop_inputs(x, p, 42, b);
        dqt::drop_inputs(x, p, 43, c);
        REQUIRE(a.rows() == x.rows());
        REQUIRE(a.cols() == x.cols());
        size_t dropped = 0, bad = 0;
        for (Eigen::Index i = 0; i < x.size(); ++i) {
            if (a.data()[i] == 0.0f) ++dropped;
            else if (a.data()[i] != x.data()[i] * (1.0f / (1.0f - p))) ++bad;
        }
        const double n = double(x.size()), sd = std::sqrt(n * p * (1 - p));
        INFO("p " << p << ": dropped " << dropped << " of " << n);
        CHECK(std::abs(double(dropped) - n * p) < 5 * sd);
        CHECK(bad == 0);
        CHECK(a == b);
        CHECK(a != c);
    }
    Mat same;
    dqt::drop_inputs(x, 0.0f, 1, same);
    CHECK(same == x);
    CHECK_THROWS_WITH(dqt::drop_inputs(x, 1.0f, 1, same), "dropout probability must be in [0, 1), got 1");
}

TEST_CASE("SGD with momentum and Adam take the textbook steps", "[nn]") {
    dqt::Sgd sgd;
    sgd.lr = 0.1f;
    sgd.momentum = 0.5f;
    float p[2] = {1.0f, -1.0f};
    const float g[2] = {2.0f, 0.0f};
    sgd.step(p, g, 2);  // v = g; p -= 0.1 v
    CHECK(p[0] == Approx(0.8f));
    sgd.step(p, g, 2);  // v = 0.5*2 + 2 = 3; p -= 0.3
    CHECK(p[0] == Approx(0.5f));
    CHECK(p[1] == -1.0f);

    dqt::Adam adam;
    adam.lr = 0.01f;
    float q[1] = {0.0f};
    const float gq[1] = {-5.0f};
    adam.step(q, gq, 1);  // bias-corrected m/sqrt(v) = -1: the first step has size lr
    CHECK(q[0] == Approx(0.01f).epsilon(1e-4));
    adam.step(q, gq, 1);
    CHECK(q[0] == Approx(0.02f).epsilon(1e-4));
    CHECK(adam.t == 2);
}

TEST_CASE("initialization uses He scale for ReLU layers and Glorot for linear ones", "[nn]") {
    dqt::Mlp net({{400, 300, true}, {300, 200, false}});
    net.init(3);
    auto stddev = [&](size_t l) {
        const auto& s = net.layers()[l];
        double sum = 0, sq = 0;
        const size_t n = size_t(s.out) * s.in;
        for (size_t i = 0; i < n; ++i) {
            double v = net.params()[net.w_offset(l) + i];
            sum += v;
            sq += v * v;
        }
        return std::sqrt(sq / n - (sum / n) * (sum / n));
    };
    CHECK(stddev(0) == Approx(std::sqrt(2.0 / 400)).epsilon(0.02));
    CHECK(stddev(1) == Approx(std::sqrt(2.0 / 500)).epsilon(0.02));
    for (uint32_t j = 0; j < 300; ++j) CHECK(net.params()[net.b_offset(0) + j] == 0.0f);
    dqt::Mlp again({{400, 300, true}, {300, 200, false}});
    again.init(3);
    CHECK(again.params() == net.params());
    CHECK_THROWS_WITH(dqt::Mlp({{4, 3, true}, {5, 2, false}}), "mlp: layer 1 takes 5 inputs but layer 0 gives 3");
}

TEST_CASE("the exported encoder computes what the training network computes", "[nn][autoencoder]") {
    dqt::Autoencoder ae(12, {10, 9}, 8);
    ae.init(5);
    REQUIRE(ae.encoder.layers().size() == 3);
    REQUIRE(ae.decoder.layers().size() == 3);
    CHECK(ae.decoder.layers()[0].in == 8);
    CHECK(ae.decoder.layers()[2].out == 12);
    CHECK(!ae.encoder.layers()[2].relu);
    CHECK(!ae.decoder.layers()[2].relu);
    CHECK(ae.encoder.layers()[1].relu);
    dq::InputSpec spec;
    spec.height = 3;
    spec.width = 4;
    dq::Model m = ae.to_model(spec, 2, 16, std::vector<float>(2 * 16 * 4, 0.5f), "{}");
    CHECK(m.dsub == 4);
    CHECK(m.layers.back().act == dq::Activation::linear);
    Mat x = random_mat(9, 12, 8).cwiseAbs();
    dqt::MlpCache c;
    const Mat& z = ae.encoder.forward(x, c);
    std::vector<float> zc(9 * 8), zp(9 * 8);
    dq::Encoder enc(m);
    enc.forward(x.data(), 9, zc.data());
    ae.encoder.predict(x.data(), 9, zp.data(), 4);
    for (size_t i = 0; i < zc.size(); ++i) {
        CHECK(zc[i] == Approx(z.data()[i]).margin(1e-5));
        CHECK(zp[i] == Approx(z.data()[i]).margin(1e-5));
    }
}
