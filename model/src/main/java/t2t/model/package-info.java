/**
 * T2T-ViT in DJL, with DeiT's distillation head and TokenLabeling's dense head, and the model
 * registry.
 *
 * <pre>{@code
 * T2tVit model = ModelRegistry.createT2t("t2t_vit_7", Map.of("num_classes", "10", "distillation", "true"));
 * model.initializeWeights(manager, DataType.FLOAT32, seed);          // or Weights.load(model, file, manager, FLOAT32)
 * try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
 *     ModelOutputs out = model.forwardTrain(new ParameterStore(manager, false), images); // cls, dist, aux
 *     gc.backward(loss(out));
 * }
 * for (ParamSpec p : model.parameterSpecs()) { ... p.name(), p.parameter(), p.trainable(), p.decayed() }
 * NDArray logits = model.predict(images);                            // eval: heads combined
 * Weights.save(model, path, "F32");                                  // official key names
 * }</pre>
 */
package t2t.model;
