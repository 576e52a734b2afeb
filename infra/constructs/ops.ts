import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IPrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { RuntimeTable } from '../../shared/config';
import { OpsDashboard, type Subscription } from './dashboard';
import { OperatorRole } from './operator-role';
import { opsOutputNames } from './ops-output-names';
import type { Service } from './service';
import type { Topics } from './topics';

export interface OperationsProps {
  readonly topics: Topics;
  readonly runtimeTables: Readonly<Record<RuntimeTable, Table>>;
  readonly tableKey: IKey;
  readonly services: ReadonlyMap<string, Service>;
  readonly api: HttpApi;
  /** Who may assume the operator role. @default the account */
  readonly operatorPrincipal?: IPrincipal;
  /** @default 5 */
  readonly handlerFailureThreshold?: number;
  /** @default 50 */
  readonly clientErrorThreshold?: number;
}

/**
 * The operations side of a deployed backbone: a dashboard with alarms, the operator role the `spine`
 * CLI assumes, and the stack outputs it reads (consumer function and event source mapping per
 * subscription). Replay and redrive run in the CLI with SDK calls and invoke the consumers, so there
 * is no extra function to secure.
 */
export class Operations extends Construct {
  public readonly dashboard: OpsDashboard;
  public readonly operatorRole: OperatorRole;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const subscriptions: (Subscription & { mapping: EventSourceMapping })[] = [];
    for (const [service, construct] of props.services)
      for (const [topic, consumer] of construct.consumers) {
        const mapping = consumer.function.node.children.find(
          (c): c is EventSourceMapping => c instanceof EventSourceMapping,
        );
        if (!mapping) throw new Error(`consumer ${service}<-${topic} has no event source mapping`);
        subscriptions.push({ service, topic, consumer, mapping });
      }
    this.dashboard = new OpsDashboard(this, 'Dashboard', {
      subscriptions,
      api: props.api,
      ...(props.handlerFailureThreshold !== undefined && {
        handlerFailureThreshold: props.handlerFailureThreshold,
      }),
      ...(props.clientErrorThreshold !== undefined && { clientErrorThreshold: props.clientErrorThreshold }),
    });
    this.operatorRole = new OperatorRole(this, 'Operator', {
      ...(props.operatorPrincipal && { assumedBy: props.operatorPrincipal }),
      streams: props.topics.all().map(([, stream]) => stream),
      streamKey: props.topics.key,
      checkpoints: props.runtimeTables.checkpoints,
      parking: props.runtimeTables.parking,
      stateTables: [...props.services.values()].flatMap((s) => [...s.tables.values()]),
      tableKey: props.tableKey,
      consumers: subscriptions.map((s) => ({
        service: s.service,
        topic: s.topic,
        fn: s.consumer.function,
        mapping: s.mapping,
      })),
    });
    // Outputs at stack level so their keys are exactly these names (the CLI looks them up).
    const stack = Stack.of(this);
    for (const s of subscriptions) {
      new CfnOutput(stack, opsOutputNames.consumer(s.service, s.topic), {
        value: s.consumer.function.functionName,
        description: `Consumer function of ${s.service} on ${s.topic} (replay, redrive)`,
      });
      new CfnOutput(stack, opsOutputNames.mapping(s.service, s.topic), {
        value: s.mapping.eventSourceMappingId,
        description: `Event source mapping of ${s.service} on ${s.topic} (pause, resume)`,
      });
    }
    new CfnOutput(stack, opsOutputNames.operatorRole, {
      value: this.operatorRole.role.roleArn,
      description: 'Role for the spine CLI (--stack)',
    });
    new CfnOutput(stack, opsOutputNames.dashboard, {
      value: this.dashboard.dashboard.dashboardName,
      description: 'CloudWatch dashboard',
    });
  }
}
