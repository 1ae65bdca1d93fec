//! Every "query until `LastEvaluatedKey` is empty" loop of the store, written once.

use super::*;

impl DynamoStore {
    /// Runs a query page after page from `start`, each page accounted and handed to `on_page`,
    /// which says whether to go on. True when the query was read to its end.
    pub(super) async fn query_pages(
        &self,
        start: Option<Item>,
        build: impl Fn(QueryFluentBuilder) -> QueryFluentBuilder,
        mut on_page: impl FnMut(&QueryOutput) -> Result<ControlFlow<()>, StoreError>,
    ) -> Result<bool, StoreError> {
        let mut start = start;
        loop {
            let page = build(self.client.query().table_name(&self.table))
                .set_exclusive_start_key(start.take())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(sdk)?;
            self.note("Query", page.consumed_capacity().cloned().as_slice());
            if on_page(&page)?.is_break() {
                return Ok(false);
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(true),
            }
        }
    }

    /// Every item of a partition (or an index partition), page after page.
    pub(super) async fn query_all(
        &self,
        index: Option<&str>,
        pk_name: &str,
        pk: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        self.query_pages(
            None,
            |q| {
                let q = q
                    .key_condition_expression("#pk = :pk")
                    .expression_attribute_names("#pk", pk_name)
                    .expression_attribute_values(":pk", s(pk));
                match index {
                    Some(i) => q.index_name(i),
                    None => q,
                }
            },
            |page| {
                out.extend(page.items().iter().cloned());
                Ok(ControlFlow::Continue(()))
            },
        )
        .await?;
        Ok(out)
    }
}
