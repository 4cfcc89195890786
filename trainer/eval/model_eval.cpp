#include "eval/model_eval.h"

#include "dq/index.h"

namespace dqt {

std::vector<EvalResult> evaluate_model(const dq::Model& model, const uint8_t* gallery_codes, size_t ng,
                                       const int32_t* gallery_labels, const uint8_t* query_codes,
                                       const float* query_x, size_t nq, const int32_t* query_labels, bool adc) {
    dq::Index index(model);
    std::vector<EvalResult> evals;
    evals.push_back(evaluate_pq_codes(index.pq(), gallery_codes, ng, gallery_labels, query_codes, nq, query_labels));
    if (adc) {
        std::vector<float> z(nq * model.latent_dim());
        index.embed(query_x, nq, z.data());
        evals.push_back(evaluate_pq(index.pq(), gallery_codes, ng, gallery_labels, z.data(), nq, query_labels, true));
    }
    return evals;
}

std::vector<EvalResult> evaluate_model(const dq::Model& model, const float* gallery_x, size_t ng,
                                       const int32_t* gallery_labels, const float* query_x, size_t nq,
                                       const int32_t* query_labels, bool adc) {
    dq::Index index(model);
    std::vector<uint8_t> gc(ng * model.M), qc(nq * model.M);
    index.encode(gallery_x, ng, gc.data());
    index.encode(query_x, nq, qc.data());
    return evaluate_model(model, gc.data(), ng, gallery_labels, qc.data(), query_x, nq, query_labels, adc);
}

}  // namespace dqt
