import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { RUNTIME_TABLES, type RuntimeTable } from '../../shared/config';
import { spineTable } from './spine-table';

/**
 * The tables every service shares (checkpoints/dedupe, ingress idempotency, parking lot, outbox) and the key
 * that encrypts them and the services' own state tables.
 */
export interface RuntimeTablesProps {
  /** Keep tables and key when the stack is deleted (deletion protection on). @default true */
  readonly retain?: boolean;
}

export class RuntimeTables extends Construct {
  /** Encrypts every Spine table; RETAIN because retained tables are unreadable without it. */
  public readonly key: Key;
  public readonly tables: Readonly<Record<RuntimeTable, Table>>;

  constructor(scope: Construct, id: string, props: RuntimeTablesProps = {}) {
    super(scope, id);
    const retain = props.retain ?? true;
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the Spine DynamoDB tables',
      enableKeyRotation: true,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      // A destroyed dev stage's key is deleted after 7 days, the shortest waiting period KMS allows.
      ...(!retain && { pendingWindow: Duration.days(7) }),
    });
    this.tables = {
      checkpoints: spineTable(this, 'Checkpoints', RUNTIME_TABLES.checkpoints, this.key, retain),
      idempotency: spineTable(this, 'Idempotency', RUNTIME_TABLES.idempotency, this.key, retain),
      parking: spineTable(this, 'Parking', RUNTIME_TABLES.parking, this.key, retain),
      outbox: spineTable(this, 'Outbox', RUNTIME_TABLES.outbox, this.key, retain),
    };
  }
}
