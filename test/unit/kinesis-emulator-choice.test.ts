import { describe, expect, it } from 'vitest';
import { kinesisEmulatorFromEnv } from '../../local/emulators/kinesis';

describe('SPINE_KINESIS_EMULATOR', () => {
  it('picks Kinesis lite when unset or empty, kinesis-mock when named, and refuses anything else', () => {
    expect(kinesisEmulatorFromEnv({})).toBe('lite');
    expect(kinesisEmulatorFromEnv({ SPINE_KINESIS_EMULATOR: '' })).toBe('lite');
    expect(kinesisEmulatorFromEnv({ SPINE_KINESIS_EMULATOR: 'lite' })).toBe('lite');
    expect(kinesisEmulatorFromEnv({ SPINE_KINESIS_EMULATOR: 'kinesis-mock' })).toBe('kinesis-mock');
    expect(() => kinesisEmulatorFromEnv({ SPINE_KINESIS_EMULATOR: 'kinesalite' })).toThrow(
      /SPINE_KINESIS_EMULATOR=kinesalite: expected one of lite, kinesis-mock/,
    );
  });
});
