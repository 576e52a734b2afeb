/**
 * Pausing a subscription's live delivery (locally: a flag the ESM emulation honours; deployed: the
 * event source mapping disabled). `pause` resolves only once no live batch is in flight, so the live
 * checkpoint read afterwards stays put until `resume`.
 */
export interface LiveControl {
  pause(service: string, topic: string): Promise<void>;
  resume(service: string, topic: string): Promise<void>;
  isPaused(service: string, topic: string): Promise<boolean>;
}
