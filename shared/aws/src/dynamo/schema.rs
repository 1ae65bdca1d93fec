//! The table and its indexes: created for a new crisis, checked at start.

use super::*;

impl DynamoStore {
    /// Creates the table with its indexes (on demand) and its stream. The cloud stack creates
    /// it from the template (`infra/template.yaml`, kept the same); this is for DynamoDB Local
    /// and tests.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(unavailable)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(unavailable)
        };
        // Every index projects the whole item but `changes`, which carries what a report
        // answer is made from.
        let projection = |name: &str| match name {
            "changes" => Projection::builder()
                .projection_type(ProjectionType::Include)
                .set_non_key_attributes(Some(
                    CHANGES_PROJECTION.iter().map(|a| a.to_string()).collect(),
                ))
                .build(),
            _ => Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        };
        let index = |name: &str, pk: &str, sk: &str| -> Result<GlobalSecondaryIndex, StoreError> {
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(pk, KeyType::Hash)?)
                .key_schema(key(sk, KeyType::Range)?)
                .projection(projection(name))
                .build()
                .map_err(unavailable)
        };
        let mut req = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(PK, KeyType::Hash)?)
            .key_schema(key(SK, KeyType::Range)?)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .map_err(unavailable)?,
            );
        for a in [PK, SK, SPK, SSK, CPK, CSK, PPK, PSK, XPK, XSK] {
            req = req.attribute_definitions(attr(a)?);
        }
        req.global_secondary_indexes(index("status", SPK, SSK)?)
            .global_secondary_indexes(index("cluster", CPK, CSK)?)
            .global_secondary_indexes(index("published", PPK, PSK)?)
            .global_secondary_indexes(index("changes", XPK, XSK)?)
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    /// Creates the table unless it exists (DynamoDB Local, a first run on a new account).
    pub async fn ensure_table(&self) -> Result<(), StoreError> {
        match self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_not_found_exception()) =>
            {
                self.create_table().await
            }
            Err(e) => Err(sdk(e)),
        }
    }
}
