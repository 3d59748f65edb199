package t2t.model;

import t2t.model.layers.HostArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * What a training forward returns, everything the losses need.
 *
 * @param cls  class logits from the cls token, [B, C]
 * @param dist logits of head_dist on the distillation token, [B, C]; null without distillation
 * @param aux  aux_head logits on every patch token, [B, N, C]; null without token labeling
 */
public record ModelOutputs(NDArray cls, NDArray dist, NDArray aux) {

    /**
     * The eval output: cls, or (cls + dist) / 2 with distillation (DeiT), plus 0.5 x the max over
     * tokens of aux with token labeling (TokenLabeling's eval rule).
     */
    public NDArray evalLogits() {
        NDArray out = dist == null ? cls : cls.add(dist).div(HostArrays.scalar(cls, 2));
        if (aux != null) {
            out = out.add(aux.max(new int[] {1}).mul(HostArrays.scalar(aux, 0.5)));
        }
        return out;
    }

    /** As a DJL NDList: cls, then dist if present, then aux if present; each named so. */
    public NDList toNDList() {
        NDList list = new NDList();
        cls.setName("cls");
        list.add(cls);
        if (dist != null) {
            dist.setName("dist");
            list.add(dist);
        }
        if (aux != null) {
            aux.setName("aux");
            list.add(aux);
        }
        return list;
    }

    public static ModelOutputs fromNDList(NDList list) {
        return new ModelOutputs(list.get("cls"), list.get("dist"), list.get("aux"));
    }
}
