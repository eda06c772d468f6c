//! The LSP request and notification handlers: each converts positions, runs one `ide` query
//! on a database snapshot (see `state`), and converts the answer back.

use std::path::PathBuf;
use std::sync::Arc;

use tollgate_compiler::ide::{self, Analysis};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::Config;
use crate::convert;
use crate::paths::Paths;
use crate::state::{Edit, State};

/// The command the test code lens runs: arguments `[test name, document URI]`.
pub const RUN_TEST_COMMAND: &str = "tollgate.runTest";

/// The language server.
pub struct Backend {
    client: Client,
    pub(crate) state: Arc<State>,
    test_runner: Option<std::path::PathBuf>,
}

impl Backend {
    /// A server that talks to `client`.
    pub fn new(client: Client, config: Config) -> Backend {
        let state = State::start(client.clone(), config.debounce);
        Backend {
            client,
            state,
            test_runner: config.test_runner,
        }
    }

    /// Runs `query` at a document position: (analysis, compiler path, byte offset).
    async fn at<T, F>(&self, document: &TextDocumentPositionParams, query: F) -> Option<T>
    where
        T: Send + 'static,
        F: Fn(&Analysis<'_>, &Paths, &str, usize) -> Option<T> + Send + Sync + 'static,
    {
        let uri = document.text_document.uri.clone();
        let position = document.position;
        self.state
            .read(move |analysis, paths| {
                let path = paths.path_of(&uri);
                let index = convert::line_index(analysis, &path);
                let offset = convert::offset(&index, position);
                query(analysis, paths, &path, offset)
            })
            .await
            .flatten()
    }

    /// Runs `query` on a document: (analysis, compiler path, its line index).
    async fn on<T, F>(&self, uri: &Uri, query: F) -> Option<T>
    where
        T: Send + 'static,
        F: Fn(&Analysis<'_>, &Paths, &str, &ide::LineIndex) -> Option<T> + Send + Sync + 'static,
    {
        let uri = uri.clone();
        self.state
            .read(move |analysis, paths| {
                let path = paths.path_of(&uri);
                let index = convert::line_index(analysis, &path);
                query(analysis, paths, &path, &index)
            })
            .await
            .flatten()
    }

    fn queue(&self, edit: Edit) {
        if !self.state.edit(edit) {
            let client = self.client.clone();
            tokio::spawn(async move {
                client
                    .log_message(MessageType::ERROR, "tollgate: the edit queue is closed")
                    .await;
            });
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        // The writer thread holds the state; closing the edit queue lets it finish.
        self.state.stop();
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".to_string()]),
            ..CompletionOptions::default()
        }),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(vec!["(".to_string(), ",".to_string()]),
            retrigger_characters: None,
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        inlay_hint_provider: Some(OneOf::Left(true)),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![RUN_TEST_COMMAND.to_string()],
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                work_done_progress_options: WorkDoneProgressOptions::default(),
                legend: convert::semantic_legend(),
                range: None,
                full: Some(SemanticTokensFullOptions::Bool(true)),
            },
        )),
        ..ServerCapabilities::default()
    }
}

#[allow(deprecated)] // reason: `root_uri` is deprecated, but older clients only send it
fn root_of(params: &InitializeParams) -> Option<PathBuf> {
    params
        .workspace_folders
        .as_ref()
        .and_then(|folders| folders.first())
        .and_then(|folder| folder.uri.to_file_path().map(|p| p.into_owned()))
        .or_else(|| {
            params
                .root_uri
                .as_ref()
                .and_then(|uri| uri.to_file_path().map(|p| p.into_owned()))
        })
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let paths = Paths::new(root_of(&params));
        if let Err(err) = paths.write_stdlib() {
            let client = self.client.clone();
            let message =
                format!("tollgate: cannot write the stdlib sources for go-to-definition: {err}");
            tokio::spawn(async move { client.log_message(MessageType::WARNING, message).await });
        }
        let files = tokio::task::spawn_blocking({
            let paths = paths.clone();
            move || paths.policy_files()
        })
        .await
        .unwrap_or_default();
        self.state.set_paths(paths);
        for (path, text) in files {
            self.queue(Edit::Set { path, text });
        }
        Ok(InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "tollgate".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.client
            .log_message(MessageType::INFO, "tollgate language server ready")
            .await;
    }

    async fn shutdown(&self) -> Result<()> {
        self.state.stop();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let path = self.state.paths().path_of(&params.text_document.uri);
        self.state
            .set_version(&path, Some(params.text_document.version));
        self.queue(Edit::Set {
            path,
            text: params.text_document.text,
        });
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let path = self.state.paths().path_of(&params.text_document.uri);
        // Full sync: the last change holds the whole text.
        let Some(change) = params.content_changes.into_iter().last() else {
            return;
        };
        self.state
            .set_version(&path, Some(params.text_document.version));
        self.queue(Edit::Set {
            path,
            text: change.text,
        });
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let path = self.state.paths().path_of(&uri);
        self.state.set_version(&path, None);
        // The file on disk stays part of the workspace; an unsaved buffer goes away.
        let on_disk = uri
            .to_file_path()
            .and_then(|file| std::fs::read_to_string(file).ok());
        match on_disk {
            Some(text) if !Paths::is_stdlib(&path) => self.queue(Edit::Set { path, text }),
            _ if Paths::is_stdlib(&path) => {}
            _ => self.queue(Edit::Remove { path }),
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        Ok(self
            .at(
                &params.text_document_position_params,
                |analysis, _, path, offset| {
                    let info = analysis.hover(path, offset)?;
                    let index = convert::line_index(analysis, path);
                    Some(Hover {
                        contents: HoverContents::Markup(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value: info.markdown,
                        }),
                        range: Some(convert::range(&index, info.span)),
                    })
                },
            )
            .await)
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        Ok(self
            .at(
                &params.text_document_position,
                |analysis, _, path, offset| {
                    let items: Vec<CompletionItem> = analysis
                        .completions(path, offset)
                        .iter()
                        .map(convert::completion)
                        .collect();
                    Some(CompletionResponse::Array(items))
                },
            )
            .await)
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        Ok(self
            .at(
                &params.text_document_position_params,
                |analysis, _, path, offset| {
                    let help = analysis.signature_help(path, offset)?;
                    Some(SignatureHelp {
                        signatures: help
                            .signatures
                            .into_iter()
                            .map(|s| SignatureInformation {
                                label: s.label,
                                documentation: (!s.documentation.is_empty()).then_some(
                                    Documentation::MarkupContent(MarkupContent {
                                        kind: MarkupKind::Markdown,
                                        value: s.documentation,
                                    }),
                                ),
                                parameters: Some(
                                    s.parameters
                                        .into_iter()
                                        .map(|p| ParameterInformation {
                                            label: ParameterLabel::Simple(p),
                                            documentation: None,
                                        })
                                        .collect(),
                                ),
                                active_parameter: None,
                            })
                            .collect(),
                        active_signature: Some(0),
                        active_parameter: Some(help.active_parameter),
                    })
                },
            )
            .await)
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        Ok(self
            .at(
                &params.text_document_position_params,
                |analysis, paths, path, offset| {
                    let target = analysis.definition(path, offset)?;
                    convert::location(analysis, paths, &target).map(GotoDefinitionResponse::Scalar)
                },
            )
            .await)
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let include = params.context.include_declaration;
        Ok(self
            .at(
                &params.text_document_position,
                move |analysis, paths, path, offset| {
                    Some(
                        analysis
                            .references(path, offset, include)
                            .iter()
                            .filter_map(|l| convert::location(analysis, paths, l))
                            .collect(),
                    )
                },
            )
            .await)
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let new_name = params.new_name.clone();
        let outcome = self
            .at(
                &params.text_document_position,
                move |analysis, paths, path, offset| {
                    Some(analysis.rename(path, offset, &new_name).map(|locations| {
                        convert::workspace_edit(analysis, paths, &locations, &new_name)
                    }))
                },
            )
            .await;
        match outcome {
            Some(Ok(edit)) => Ok(Some(edit)),
            Some(Err(ide::RenameError(message))) => Err(Error::invalid_params(message)),
            None => Ok(None),
        }
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self
            .on(&params.text_document.uri, |analysis, _, path, index| {
                Some(DocumentSymbolResponse::Nested(
                    analysis
                        .document_symbols(path)
                        .iter()
                        .map(|d| convert::document_symbol(index, d))
                        .collect(),
                ))
            })
            .await)
    }

    #[allow(deprecated)] // reason: `deprecated` is a required field of `SymbolInformation`
    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let query = params.query;
        Ok(self
            .state
            .read(move |analysis, paths| {
                let symbols: Vec<SymbolInformation> = analysis
                    .workspace_symbols(&query)
                    .iter()
                    .filter_map(|d| {
                        let location = convert::location(
                            analysis,
                            paths,
                            &ide::Location {
                                path: d.path.clone(),
                                span: d.name_span,
                            },
                        )?;
                        Some(SymbolInformation {
                            name: d.name.clone(),
                            kind: convert::symbol_kind(d.kind),
                            tags: None,
                            deprecated: None,
                            location,
                            container_name: Some(d.path.to_string()),
                        })
                    })
                    .collect();
                WorkspaceSymbolResponse::Flat(symbols)
            })
            .await)
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        Ok(self
            .on(&params.text_document.uri, |analysis, _, path, index| {
                let tokens = analysis.semantic_tokens(path);
                Some(SemanticTokensResult::Tokens(convert::semantic_tokens(
                    index, &tokens,
                )))
            })
            .await)
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        Ok(self
            .on(&params.text_document.uri, |_, _, _, index| {
                let text = index.text();
                let formatted = tollgate_compiler::format::format(text).ok()?;
                if formatted == text {
                    return Some(Vec::new());
                }
                let whole = convert::range(
                    index,
                    tollgate_compiler::syntax::ast::Span::new(0, text.len()),
                );
                Some(vec![TextEdit::new(whole, formatted)])
            })
            .await)
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let mut actions = Vec::new();
        for diagnostic in params.context.diagnostics {
            let replacement = diagnostic
                .data
                .as_ref()
                .and_then(|data| data.get("replacement"))
                .and_then(|value| value.as_str())
                .map(str::to_string);
            let Some(replacement) = replacement else {
                continue;
            };
            let mut changes = std::collections::HashMap::new();
            changes.insert(
                uri.clone(),
                vec![TextEdit::new(diagnostic.range, replacement.clone())],
            );
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Replace with `{replacement}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic]),
                edit: Some(WorkspaceEdit::new(changes)),
                command: None,
                is_preferred: Some(true),
                disabled: None,
                data: None,
            }));
        }
        Ok(Some(actions))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let wanted = params.range;
        Ok(self
            .on(
                &params.text_document.uri,
                move |analysis, _, path, index| {
                    Some(
                        analysis
                            .inlay_hints(path)
                            .into_iter()
                            .filter_map(|hint| {
                                let (line, character) = index.position(hint.offset);
                                let position = Position::new(line, character);
                                (position >= wanted.start && position <= wanted.end).then_some(
                                    InlayHint {
                                        position,
                                        label: InlayHintLabel::String(hint.label),
                                        kind: Some(InlayHintKind::TYPE),
                                        text_edits: None,
                                        tooltip: None,
                                        padding_left: None,
                                        padding_right: None,
                                        data: None,
                                    },
                                )
                            })
                            .collect(),
                    )
                },
            )
            .await)
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let uri = params.text_document.uri;
        let document = uri.clone();
        Ok(self
            .on(&uri, move |analysis, _, path, index| {
                Some(
                    analysis
                        .tests(path)
                        .into_iter()
                        .map(|test| CodeLens {
                            range: convert::range(index, test.span),
                            command: Some(Command {
                                title: format!("▶ Run test \"{}\"", test.name),
                                command: RUN_TEST_COMMAND.to_string(),
                                arguments: Some(vec![
                                    serde_json::Value::String(test.name),
                                    serde_json::Value::String(document.as_str().to_string()),
                                ]),
                            }),
                            data: None,
                        })
                        .collect(),
                )
            })
            .await)
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command != RUN_TEST_COMMAND {
            return Err(Error::invalid_params(format!(
                "unknown command `{}`",
                params.command
            )));
        }
        let mut arguments = params.arguments.iter().filter_map(|a| a.as_str());
        let (Some(name), Some(uri)) = (arguments.next(), arguments.next()) else {
            return Err(Error::invalid_params(
                "`tollgate.runTest` takes the test's name and its document URI",
            ));
        };
        let Ok(uri) = uri.parse::<Uri>() else {
            return Err(Error::invalid_params(format!("`{uri}` is not a URI")));
        };
        let checked_name = name.to_string();
        let problem = self
            .on(&uri, move |analysis, _, path, _| {
                Some(crate::tests::check(analysis, path, &checked_name))
            })
            .await;
        let report = match (problem, &self.test_runner, uri.to_file_path()) {
            (None, _, _) => crate::tests::TestReport {
                passed: false,
                message: "tollgate: the test could not be run".to_string(),
            },
            (Some(Some(problem)), _, _) => problem,
            (Some(None), Some(runner), Some(file)) => {
                let (runner, file, name) = (runner.clone(), file.to_path_buf(), name.to_string());
                tokio::task::spawn_blocking(move || crate::tests::run(&runner, &file, &name))
                    .await
                    .unwrap_or_else(|err| crate::tests::TestReport {
                        passed: false,
                        message: format!("tollgate: the test runner failed: {err}"),
                    })
            }
            (Some(None), None, _) => crate::tests::TestReport {
                passed: false,
                message: format!(
                    "test `{name}` compiles, but this server has no test runner: start it as `tollgate lsp`"
                ),
            },
            (Some(None), Some(_), None) => crate::tests::TestReport {
                passed: false,
                message: format!(
                    "`{}` is not a file on disk: save it to run its tests",
                    uri.as_str()
                ),
            },
        };
        let kind = if report.passed {
            MessageType::INFO
        } else {
            MessageType::ERROR
        };
        self.client.show_message(kind, &report.message).await;
        Ok(Some(serde_json::json!({
            "passed": report.passed,
            "message": report.message,
        })))
    }
}
