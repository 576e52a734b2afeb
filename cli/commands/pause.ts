import { subscriptionOf } from '../../shared/ops';
import type { CliIo, OpsContext } from '../context';

/** `spine pause|resume SERVICE --topic T`: stop or restart live delivery of one subscription. */
export const pauseCommand = async (
  ctx: OpsContext,
  io: CliIo,
  action: 'pause' | 'resume',
  service: string,
  options: { topic: string; json?: boolean },
): Promise<number> => {
  subscriptionOf(ctx, service, options.topic);
  if (action === 'pause') await ctx.control.pause(service, options.topic);
  else await ctx.control.resume(service, options.topic);
  const paused = await ctx.control.isPaused(service, options.topic);
  io.out(
    options.json
      ? JSON.stringify({ service, topic: options.topic, paused })
      : `${service} <- ${options.topic}: live delivery ${paused ? 'paused (no batch in flight)' : 'running'}`,
  );
  return 0;
};
