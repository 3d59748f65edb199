/**
 * Files: safetensors weights in the official state-dict naming ({@link t2t.model.io.Weights},
 * {@link t2t.model.io.Safetensors}) and NumPy arrays ({@link t2t.model.io.Npy}). Bad files are
 * refused with a one-line {@code UserInputException}.
 */
package t2t.model.io;
