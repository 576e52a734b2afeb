import { AccountRootPrincipal, type IPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Catalog } from '../../shared/catalog';

export interface ProducerRolesProps {
  readonly catalog: Catalog;
  /** `execute-api` ARNs of the routes a producer may call. */
  readonly invokeArns: readonly string[];
  /**
   * Who may assume a producer role. The account root delegates to the account's own IAM policies,
   * so the platform team decides which workloads publish as which producer. @default AccountRootPrincipal
   */
  readonly assumedBy?: IPrincipal;
}

/**
 * One IAM role per catalog producer. The ingress maps the calling role back to the producer name
 * (see `principals`) and authorises it per topic against the catalog's single-writer rules.
 */
export class ProducerRoles extends Construct {
  /** Roles by producer name. */
  public readonly roles: ReadonlyMap<string, Role>;

  constructor(scope: Construct, id: string, props: ProducerRolesProps) {
    super(scope, id);
    const assumedBy = props.assumedBy ?? new AccountRootPrincipal();
    this.roles = new Map(
      props.catalog.producers.map((producer) => {
        const role = new Role(this, producer.name, {
          assumedBy,
          description: `Spine producer ${producer.name}: may call the ingress producer routes`,
        });
        role.addToPrincipalPolicy(
          new PolicyStatement({ actions: ['execute-api:Invoke'], resources: [...props.invokeArns] }),
        );
        return [producer.name, role];
      }),
    );
  }

  /** `{ [roleName]: producerName }`; role names are tokens, so serialise with `Stack.toJsonString`. */
  principals(): Record<string, string> {
    return Object.fromEntries([...this.roles].map(([producer, role]) => [role.roleName, producer]));
  }
}
