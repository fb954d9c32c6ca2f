/**
 * Go channels for Java threads.
 *
 * <table>
 *   <caption>Go to goloom</caption>
 *   <tr><th>Go</th><th>goloom</th></tr>
 *   <tr><td>{@code ch := make(chan T)}</td><td>{@code Chan<T> ch = Chan.make();}</td></tr>
 *   <tr><td>{@code ch := make(chan T, n)}</td><td>{@code Chan<T> ch = Chan.make(n);}</td></tr>
 *   <tr><td>{@code ch <- v}</td><td>{@code ch.send(v);}</td></tr>
 *   <tr><td>{@code v, ok := <-ch}</td><td>{@code T v = ch.recv(); boolean ok = v != null;}</td></tr>
 *   <tr><td>{@code for v := range ch}</td><td>{@code for (T v : ch)}</td></tr>
 *   <tr><td>{@code close(ch)}</td><td>{@code ch.close();}</td></tr>
 *   <tr><td>{@code len(ch)}, {@code cap(ch)}</td><td>{@code ch.len()}, {@code ch.cap()}</td></tr>
 *   <tr><td>{@code select { case ch <- v: ... default: }}</td><td>{@code if (ch.trySend(v)) ...}</td></tr>
 *   <tr><td>{@code chan<- T}, {@code <-chan T}</td><td>{@link dev.goloom.channels.SendChannel},
 *       {@link dev.goloom.channels.ReceiveChannel}</td></tr>
 *   <tr><td>{@code time.After(d)}, {@code time.NewTimer(d)}, {@code time.NewTicker(d)}</td>
 *       <td>{@code Chans.after(d)}, {@code Chans.newTimer(d)}, {@code Chans.tick(d)}</td></tr>
 * </table>
 */
package dev.goloom.channels;
