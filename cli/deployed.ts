import { userInfo } from 'node:os';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  GetEventSourceMappingCommand,
  InvokeCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { opsOutputNames } from '../infra/constructs/ops-output-names';
import { outputNames } from '../infra/output-names';
import { createHttpHandler } from '../shared/aws';
import type { Catalog } from '../shared/catalog';
import {
  type Delivery,
  deliverRuns,
  dynamoOpsStore,
  kinesisLogReader,
  type LiveControl,
  OpsError,
  splitByBytes,
} from '../shared/ops';
import type { OpsContext } from './context';
import { deployedLambdaClients, refusedInvoke } from './lambda-clients';
import { batchResponse } from './response';
import { signedPublisher } from './sigv4';

/** How long after a mapping reports Disabled a batch may still run: the consumer timeout plus margin. */
const SETTLE_MS = 35_000;
/** Polling of the mapping's state while it is disabled: usually seconds, bounded so pause never hangs. */
const POLL_MS = 2_000;
const DISABLE_TIMEOUT_MS = 180_000;

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface DeployedOptions {
  readonly profile?: string;
  readonly region?: string;
  /** Wait after the mapping reports Disabled. @default 35 s (the consumer timeout plus margin) */
  readonly settleMs?: number;
  /** Time seam for pause (tests). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Largest Invoke payload replay and redrive send. @default INVOKE_REQUEST_LIMIT_BYTES (6 MB) */
  readonly invokeLimitBytes?: number;
}

/**
 * A deployed stack, found by name: every resource comes from its CloudFormation outputs. Replay and
 * redrive invoke the consumer function with a synthetic Kinesis event (so the deployed code and its
 * role do the writes); pause disables the event source mapping. Needs the actions of the stack's
 * operator role (output `OpsOperatorRoleArn`).
 */
export const deployedContext = async (
  catalog: Catalog,
  stack: string,
  options: DeployedOptions,
): Promise<OpsContext> => {
  const sleep = options.sleep ?? wait;
  const credentials = defaultProvider(options.profile ? { profile: options.profile } : {});
  // `profile` on the clients too: without it the region comes from the default profile, not --profile's.
  const config = {
    credentials,
    ...(options.profile && { profile: options.profile }),
    ...(options.region && { region: options.region }),
  };
  const cfn = new CloudFormationClient({ ...config, requestHandler: createHttpHandler() });
  const described = await cfn
    .send(new DescribeStacksCommand({ StackName: stack }))
    .catch((error: unknown) => {
      throw new OpsError('NOT_CONFIGURED', `cannot read stack ${stack}: ${String(error)}`, { cause: error });
    });
  const found = described.Stacks?.[0];
  if (!found) throw new OpsError('NOT_CONFIGURED', `stack ${stack} not found`);
  const outputs = new Map((found.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  const output = (name: string): string => {
    const value = outputs.get(name);
    if (!value)
      throw new OpsError(
        'NOT_CONFIGURED',
        `stack ${stack} has no output ${name}; deploy the current version of Spine`,
      );
    return value;
  };
  const region = await cfn.config.region();
  const kinesis = new KinesisClient({ ...config, requestHandler: createHttpHandler() });
  const dynamo = new DynamoDBClient({ ...config, requestHandler: createHttpHandler() });
  const lambda = deployedLambdaClients(config);
  const store = dynamoOpsStore(
    DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    {
      checkpoints: output(outputNames.runtimeTable('checkpoints')),
      parking: output(outputNames.runtimeTable('parking')),
    },
  );
  const delivery: Delivery = {
    // One synchronous Invoke carries at most 6 MB, so a batch goes out in runs under that limit.
    async deliver(service, topic, records, session) {
      const FunctionName = output(opsOutputNames.consumer(service, topic));
      const payload = (run: readonly unknown[]) =>
        JSON.stringify({ Records: run, ...(session && { spine: session }) });
      const runs = splitByBytes(records, Buffer.byteLength(payload([])), options.invokeLimitBytes);
      return deliverRuns(runs, async (run) => {
        const out = await lambda.invoke
          .send(new InvokeCommand({ FunctionName, Payload: Buffer.from(payload(run)) }))
          .catch((error: unknown) => {
            throw refusedInvoke(error, `${service}<-${topic}`) ?? error;
          });
        const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : 'null';
        if (out.FunctionError)
          throw new OpsError('DELIVERY_FAILED', `consumer ${service}<-${topic} failed: ${text}`);
        return batchResponse(parseResponse(text, `${service}<-${topic}`));
      });
    },
  };
  const mappingState = async (service: string, topic: string) =>
    (
      await lambda.control.send(
        new GetEventSourceMappingCommand({ UUID: output(opsOutputNames.mapping(service, topic)) }),
      )
    ).State;
  const control: LiveControl = {
    async pause(service, topic) {
      const UUID = output(opsOutputNames.mapping(service, topic));
      const state = await mappingState(service, topic);
      if (state === 'Disabled') return;
      // An update while the mapping is already Disabling is refused (ResourceInUseException): just wait.
      if (state !== 'Disabling')
        await lambda.control.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: false }));
      for (let polls = 0; (await mappingState(service, topic)) !== 'Disabled'; polls += 1) {
        if (polls * POLL_MS >= DISABLE_TIMEOUT_MS)
          throw new OpsError(
            'PAUSE_TIMEOUT',
            `event source mapping ${UUID} of ${service}<-${topic} is not Disabled after ${DISABLE_TIMEOUT_MS / 1000} s; check it in the Lambda console and rerun`,
          );
        await sleep(POLL_MS);
      }
      // Disabled stops new batches; one already running may still commit until the function times out.
      await sleep(options.settleMs ?? SETTLE_MS);
    },
    async resume(service, topic) {
      await lambda.control.send(
        new UpdateEventSourceMappingCommand({
          UUID: output(opsOutputNames.mapping(service, topic)),
          Enabled: true,
        }),
      );
    },
    async isPaused(service, topic) {
      const state = await mappingState(service, topic);
      return state === 'Disabled' || state === 'Disabling';
    },
  };
  return {
    target: `stack ${stack} (${region})`,
    catalog,
    reader: kinesisLogReader(kinesis, (topic) => output(outputNames.stream(topic))),
    store,
    delivery,
    control,
    publisher: signedPublisher(output(outputNames.ingressUrl), region, credentials),
    stateTable: (service, table) => output(outputNames.stateTable(service, table)),
    region,
    operator: `${userInfo().username} via ${options.profile ?? 'default credentials'}`,
    close: () => {
      for (const client of [cfn, kinesis, dynamo, lambda.invoke, lambda.control]) client.destroy();
    },
  };
};

/** The consumer's answer as JSON; anything else means it is not a Spine consumer (or not this version). */
const parseResponse = (text: string, subscription: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new OpsError(
      'DELIVERY_FAILED',
      `consumer ${subscription} answered something that is not JSON: ${text.slice(0, 200)}`,
      { cause: error },
    );
  }
};
